/**
 * Turns ffmpeg's encoded output (the bytes of its stdout pipe) into Frames: FLV for H.264 through
 * protocols/flv, MPEG-TS for H.265 (ffmpeg 4.1's FLV muxer cannot carry HEVC).
 */
import type { Frame, StreamDescription } from '../protocols/media/frame.ts';
import { FlvDemuxer } from '../protocols/flv/flv-demuxer.ts';
import { FlvToFrames } from '../protocols/flv/to-frames.ts';
import type { PipeContainer } from './ffmpeg-args.ts';
import { TsDemuxer } from '../protocols/mpegts/ts-demuxer.ts';
import { TsToFrames } from '../protocols/mpegts/ts-to-frames.ts';

export interface FrameSink {
  onDescription(desc: StreamDescription): void;
  onMetadata(meta: Record<string, unknown>): void;
  onFrame(frame: Frame): void;
}

export interface ContainerParser {
  /** Feeds stdout bytes; throws a ProtocolError when the stream is corrupt. */
  push(chunk: Buffer): void;
}

/** A fresh parser for one ffmpeg run (each run starts with a new container header). */
export function createContainerParser(container: PipeContainer, sink: FrameSink): ContainerParser {
  switch (container) {
    case 'flv': {
      const toFrames = new FlvToFrames();
      const demuxer = new FlvDemuxer((tag) => {
        const r = toFrames.pushTag(tag.type, tag.timestampMs, tag.body);
        if (r.description !== undefined) sink.onDescription(r.description);
        if (r.metadata !== undefined) sink.onMetadata(r.metadata);
        for (const f of r.frames) sink.onFrame(f);
      });
      return demuxer;
    }
    case 'mpegts': {
      const toFrames = new TsToFrames(sink);
      const demuxer = new TsDemuxer((pes) => toFrames.pushPes(pes), (types) => toFrames.pushProgram(types));
      return demuxer;
    }
    default: {
      const never: never = container;
      throw new Error(`unknown container ${String(never)}`);
    }
  }
}
