/**
 * The RTMP play output of one stream (per message stream id and chunk size): every frame is
 * chunked ONCE (type-0 first chunk, so the buffers do not depend on a reader's chunk state) and
 * the output base (src/streams/output.ts) writes the same Buffers to every RTMP reader and starts
 * a new reader at the last keyframe (chunking the stream's cached frames again when it joins).
 * Sequence headers and onMetaData are kept encoded and written to a reader before its first frame.
 */
import type { Frame, StreamDescription } from '../../../protocols/media/frame.ts';
import { frameTag, metadataFromDescription, metadataTagBody, sequenceHeaderTags } from '../../../protocols/flv/from-frames.ts';
import type { FlvTagParts, FromFramesOptions } from '../../../protocols/flv/from-frames.ts';
import { FlvTagType } from '../../../protocols/flv/constants.ts';
import { encodeChunks } from '../../../protocols/rtmp/chunk/chunk-writer.ts';
import { ChunkStreamId, MessageType } from '../../../protocols/rtmp/message/message-type.ts';
import type { AmfObject } from '../../../protocols/rtmp/amf0/amf-value.ts';
import { StreamOutputBase, type EncodedUnit } from '../../streams/output.ts';
import type { Stream } from '../../streams/stream.ts';
import type { ReaderTransport } from '../../streams/types.ts';

/** The tracks a player asked for (NetStream receiveAudio / receiveVideo). */
export interface RtmpTrackSelection {
  readonly audio: boolean;
  readonly video: boolean;
}

export const ALL_TRACKS: RtmpTrackSelection = Object.freeze({ audio: true, video: true });

/**
 * Output key: one output per message stream id and chunk size (both are in the chunk bytes), and
 * per track selection (players that turned a track off share an output without it).
 */
export function rtmpOutputKey(messageStreamId: number, chunkSize: number, tracks: RtmpTrackSelection = ALL_TRACKS): string {
  const base = `rtmp:${messageStreamId}:${chunkSize}`;
  return tracks.audio && tracks.video ? base : `${base}:${tracks.audio ? 'a' : ''}${tracks.video ? 'v' : ''}`;
}

export interface RtmpPlayOutputOptions {
  readonly messageStreamId: number;
  readonly chunkSize: number;
  readonly flv?: FromFramesOptions;
  /** Tracks sent to the readers. Defaults to both. */
  readonly tracks?: RtmpTrackSelection;
}

export class RtmpPlayOutput extends StreamOutputBase {
  readonly #options: RtmpPlayOutputOptions;
  readonly #tracks: RtmpTrackSelection;
  #description: StreamDescription | undefined;
  /** Chunked sequence headers and metadata for joining readers. */
  #headerBuffers: Buffer[] = [];
  /** The sequence header tag bodies, to tell a real parameter change from a repeat. */
  #headerBodies: Buffer = Buffer.alloc(0);
  #metadataBuffers: Buffer[] = [];
  #lastTimestampMs = 0;

  constructor(stream: Stream, options: RtmpPlayOutputOptions) {
    const tracks = options.tracks ?? ALL_TRACKS;
    super(stream, rtmpOutputKey(options.messageStreamId, options.chunkSize, tracks));
    this.#options = options;
    this.#tracks = tracks;
    this.start();
  }

  /** Metadata and sequence headers go to a joining reader before the cached GOP. */
  protected override introduce(transport: ReaderTransport): void {
    const intro = [...this.#metadataBuffers, ...this.#headerBuffers];
    if (intro.length > 0) transport.writev(intro, 'video');
  }

  onDescription(desc: StreamDescription): void {
    const hadHeaders = this.#headerBuffers.length > 0;
    const tags = sequenceHeaderTags(desc, this.#lastTimestampMs, this.#options.flv).filter((t) => this.#wants(t.type));
    const bodies = Buffer.concat(tags.flatMap((t) => t.parts));
    this.#description = desc;
    if (this.#metadataBuffers.length === 0) this.#metadataBuffers = this.#chunkMetadata(metadataFromDescription(desc));
    if (hadHeaders && bodies.equals(this.#headerBodies)) return; // same parameters (a publisher came back)
    this.#headerBodies = bodies;
    this.#headerBuffers = this.#chunkTags(tags);
    this.resetGop();
    if (hadHeaders) this.broadcast(this.#headerBuffers);
  }

  onMetadata(meta: Readonly<Record<string, unknown>>): void {
    this.#metadataBuffers = this.#chunkMetadata(meta as AmfObject);
    this.broadcast(this.#metadataBuffers);
  }

  onFrame(frame: Frame): void {
    const unit = this.#encode(frame);
    if (unit === null) return;
    this.#lastTimestampMs = unit.timestampMs;
    this.push(unit);
  }

  /** Chunking depends on the frame and the description only: the same frames give the same bytes. */
  protected replay(frames: readonly Frame[]): EncodedUnit[] {
    const units: EncodedUnit[] = [];
    for (const f of frames) {
      const unit = this.#encode(f);
      if (unit !== null) units.push(unit);
    }
    return units;
  }

  #encode(frame: Frame): (EncodedUnit & { timestampMs: number }) | null {
    const desc = this.#description;
    if (desc === undefined || !this.#tracks[frame.track]) return null;
    const tag = frameTag(desc, frame, this.#options.flv);
    if (tag === null) return null;
    const buffers = this.#chunkTag(tag);
    let size = 0;
    for (const b of buffers) size += b.length;
    // Without video (none in the stream, or the player turned it off) every audio frame starts a GOP.
    const startsGop = frame.track === 'video' ? frame.keyframe : desc.video === undefined || !this.#tracks.video;
    return { buffers, track: frame.track, startsGop, size, timestampMs: tag.timestampMs };
  }

  #wants(type: FlvTagType): boolean {
    return type === FlvTagType.Video ? this.#tracks.video : type === FlvTagType.Audio ? this.#tracks.audio : true;
  }

  /**
   * The chunks of one message as ONE Buffer: one copy per stream, so that each reader costs one
   * socket write per frame instead of two per chunk (measured in bench/: the per-write overhead,
   * not the bytes, dominates fan-out CPU).
   */
  #chunkTag(tag: FlvTagParts): Buffer[] {
    const video = tag.type === FlvTagType.Video;
    const chunks = encodeChunks(
      {
        chunkStreamId: video ? ChunkStreamId.Video : tag.type === FlvTagType.Audio ? ChunkStreamId.Audio : ChunkStreamId.Data,
        timestamp: tag.timestampMs,
        typeId: tag.type === FlvTagType.Script ? MessageType.DataAmf0 : tag.type,
        messageStreamId: this.#options.messageStreamId,
        payload: tag.parts,
      },
      this.#options.chunkSize,
    );
    return chunks.length === 1 ? chunks : [Buffer.concat(chunks)];
  }

  #chunkTags(tags: FlvTagParts[]): Buffer[] {
    const all = tags.flatMap((t) => this.#chunkTag(t));
    return all.length <= 1 ? all : [Buffer.concat(all)];
  }

  #chunkMetadata(meta: AmfObject): Buffer[] {
    return this.#chunkTag({ type: FlvTagType.Script, timestampMs: this.#lastTimestampMs, parts: [metadataTagBody(meta)] });
  }
}
