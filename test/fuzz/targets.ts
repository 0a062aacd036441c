/**
 * Every parser that takes bytes from the network, as a fuzz target: a name (the directory of its
 * corpus under test/fuzz/corpus/), a function that runs one input through the parser the way the
 * server does and asserts the invariants, and the one error class it may throw for bad input.
 * Invariants (STYLE.md §5): only the parser's own error is thrown, parsing terminates, buffered
 * bytes stay under the configured limits, output is well formed. The corpus runner
 * (corpus.test.ts) and the corpus-guided fuzzer (corpus-fuzz.test.ts) share these.
 *
 * Stream parsers get the input whole and one byte at a time (TCP may cut anywhere). RTP targets
 * read the input as a packet stream: each packet preceded by its length (2 bytes, big-endian).
 */
import assert from 'node:assert/strict';
import { isProtocolError } from '../../protocols/errors.ts';
import { ChunkReader } from '../../protocols/rtmp/chunk/chunk-reader.ts';
import { ServerSession } from '../../protocols/rtmp/session/server-session.ts';
import { ServerHandshake } from '../../protocols/rtmp/handshake/server-handshake.ts';
import { decodeAmf0 } from '../../protocols/rtmp/amf0/amf0-decoder.ts';
import { encodeAmf0 } from '../../protocols/rtmp/amf0/amf0-encoder.ts';
import { FlvDemuxer } from '../../protocols/flv/flv-demuxer.ts';
import { FlvToFrames } from '../../protocols/flv/to-frames.ts';
import { RtspMessageReader } from '../../protocols/rtsp/message/message-reader.ts';
import { parseTransports } from '../../protocols/rtsp/headers/transport.ts';
import { parseWwwAuthenticate } from '../../protocols/rtsp/headers/www-authenticate.ts';
import { parseSdp } from '../../protocols/rtsp/sdp/parse-sdp.ts';
import { streamDescriptionFromMedia } from '../../protocols/rtsp/sdp/stream-sdp.ts';
import { RtpPacket } from '../../protocols/rtp/packet.ts';
import { parseRtcpCompound } from '../../protocols/rtp/rtcp/compound.ts';
import type { RtpDepacketizer } from '../../protocols/rtp/depacketizer.ts';
import { H264Depacketizer } from '../../protocols/rtp/h264/depacketizer.ts';
import { H265Depacketizer } from '../../protocols/rtp/h265/depacketizer.ts';
import { AacDepacketizer } from '../../protocols/rtp/aac/depacketizer.ts';
import { MpaDepacketizer } from '../../protocols/rtp/mpa/depacketizer.ts';
import { G711Depacketizer } from '../../protocols/rtp/g711/depacketizer.ts';
import { MAX_ACCESS_UNIT_BYTES } from '../../protocols/rtp/access-unit-assembler.ts';
import { splitLengthPrefixed, type Frame } from '../../protocols/media/frame.ts';
import { TsDemuxer } from '../../protocols/mpegts/ts-demuxer.ts';
import { TsToFrames } from '../../protocols/mpegts/ts-to-frames.ts';
import { WebSocketFrameError, WsFrameReader } from '../../protocols/websocket/frame-reader.ts';
import { byteAtATime } from '../helpers/feed.ts';

export interface FuzzTarget {
  /** Directory name under test/fuzz/corpus/. */
  readonly name: string;
  /** The error a bad input may end with (anything else fails the case). */
  readonly allowed: (err: unknown) => boolean;
  readonly allowedName: string;
  /** Runs one input; throws the allowed error for bad input, an AssertionError when an invariant breaks. */
  run(input: Buffer): void;
}

/**
 * Feeds `input` to a fresh parser whole, then to another one byte at a time. Both feedings run;
 * what they threw comes out as one error (an AggregateError when both threw).
 */
function wholeAndBytes(input: Buffer, make: () => (piece: Buffer) => void): void {
  const errors: unknown[] = [];
  for (const bytewise of [false, true]) {
    const push = make();
    try {
      if (bytewise) for (const piece of byteAtATime(input)) push(piece);
      else push(input);
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length === 2) throw new AggregateError(errors, 'both feedings threw');
}

const CHUNK_LIMITS = { maxBufferedBytes: 64 * 1024, maxMessageBytes: 64 * 1024, maxChunkStreams: 16 };
const RTSP_LIMITS = { maxLineBytes: 1024, maxHeaderCount: 32, maxHeaderBytes: 4096, maxBodyBytes: 8192, maxInterleavedFrameBytes: 4096 };

/** Splits a length-prefixed packet stream (2-byte big-endian length, then the packet). */
export function framedPackets(input: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off + 2 <= input.length; ) {
    const len = input.readUInt16BE(off);
    out.push(input.subarray(off + 2, off + 2 + len));
    off += 2 + len;
  }
  return out;
}

export function framePackets(packets: readonly Buffer[]): Buffer {
  return Buffer.concat(packets.flatMap((p) => [Buffer.from([p.length >> 8, p.length & 0xff]), p]));
}

function checkFrame(f: Frame, video: boolean): void {
  assert.ok(Number.isFinite(f.pts) && Number.isFinite(f.dts), 'finite timestamps');
  assert.ok(f.payload.length > 0, 'non-empty payload');
  if (video) {
    assert.ok(f.payload.length <= MAX_ACCESS_UNIT_BYTES, 'access unit under the limit');
    const total = splitLengthPrefixed(f.payload).reduce((n, u) => n + 4 + u.length, 0);
    assert.equal(total, f.payload.length, 'well-formed length-prefixed access unit');
  }
}

function depacketizerTarget(name: string, make: () => RtpDepacketizer, video: boolean): FuzzTarget {
  return {
    name,
    allowed: () => false, // a depacketizer never throws: a bad packet drops a frame
    allowedName: 'nothing',
    run(input) {
      const d = make();
      let packets = 0;
      let frames = 0;
      for (const raw of framedPackets(input)) {
        let packet: RtpPacket;
        try {
          packet = RtpPacket.decode(raw);
        } catch (err) {
          assert.ok(isProtocolError(err), `RtpPacket.decode threw ${String(err)}`);
          continue; // the transport drops an undecodable packet
        }
        packets++;
        const out = d.push(packet);
        for (const f of out) checkFrame(f, video);
        frames += out.length;
      }
      assert.equal(d.stats.packets, packets);
      assert.equal(d.stats.framesOutput, frames);
    },
  };
}

const protocolError = { allowed: isProtocolError, allowedName: 'ProtocolError' };

export const TARGETS: readonly FuzzTarget[] = [
  {
    name: 'rtmp-handshake',
    ...protocolError,
    run(input) {
      wholeAndBytes(input, () => {
        const hs = new ServerHandshake({ randomBytes: (n) => Buffer.alloc(n, 7), timeMs: 0 });
        return (piece) => {
          hs.push(piece);
        };
      });
    },
  },
  {
    name: 'rtmp-chunk',
    ...protocolError,
    run(input) {
      // The ingest path after the handshake: chunk reader -> server session -> FLV tags -> frames.
      wholeAndBytes(input, () => {
        const flv = new FlvToFrames();
        const server = new ServerSession(() => {}, (e) => {
          if (e.type === 'publish-requested') server.acceptPublish(e.streamId);
          if (e.type === 'media') flv.pushTag(e.tagType, e.timestamp, e.body);
        });
        const reader = new ChunkReader((m) => server.handleMessage(m), CHUNK_LIMITS);
        return (piece) => {
          reader.push(piece);
          assert.ok(reader.bufferedBytes <= CHUNK_LIMITS.maxBufferedBytes + 4096, `buffered ${reader.bufferedBytes} bytes`);
        };
      });
    },
  },
  {
    name: 'amf0',
    ...protocolError,
    run(input) {
      encodeAmf0(...decodeAmf0(input));
    },
  },
  {
    name: 'amf3',
    ...protocolError,
    run(input) {
      // AMF3 reaches us inside AMF0 (avmplus-object marker 0x11), as Flash/FMS send it.
      encodeAmf0(...decodeAmf0(Buffer.concat([Buffer.from([0x11]), input])));
    },
  },
  {
    name: 'flv',
    ...protocolError,
    run(input) {
      wholeAndBytes(input, () => {
        const conv = new FlvToFrames();
        const demuxer = new FlvDemuxer((t) => conv.pushTag(t.type, t.timestampMs, t.body), { maxTagBytes: 16 * 1024 });
        return (piece) => {
          demuxer.push(piece);
          assert.ok(demuxer.bufferedBytes <= 16 * 1024 + 64, `buffered ${demuxer.bufferedBytes} bytes`);
        };
      });
    },
  },
  {
    name: 'rtsp-message',
    ...protocolError,
    run(input) {
      wholeAndBytes(input, () => {
        const reader = new RtspMessageReader((item) => {
          if (item.kind === 'request' || item.kind === 'response') {
            // What the session machines parse from a message must hold to the same contract.
            const t = item.headers.get('Transport');
            if (t !== undefined) swallowProtocolError(() => parseTransports(t));
            swallowProtocolError(() => parseWwwAuthenticate(item.headers.getAll('WWW-Authenticate')));
            if (item.body.length > 0) swallowProtocolError(() => parseSdp(item.body));
          }
        }, RTSP_LIMITS);
        return (piece) => {
          reader.push(piece);
          const max = RTSP_LIMITS.maxHeaderBytes + RTSP_LIMITS.maxBodyBytes + RTSP_LIMITS.maxInterleavedFrameBytes + 4;
          assert.ok(reader.bufferedBytes <= max, `buffered ${reader.bufferedBytes} bytes`);
        };
      });
    },
  },
  {
    name: 'sdp',
    ...protocolError,
    run(input) {
      const sdp = parseSdp(input);
      // What a RECORD/ANNOUNCE or a pulled camera's SDP turns into.
      streamDescriptionFromMedia(sdp.media);
    },
  },
  {
    name: 'rtp',
    ...protocolError,
    run(input) {
      const packet = RtpPacket.decode(input);
      assert.ok(packet.payload.length <= input.length);
      const again = packet.encode();
      assert.equal(again.length, input.length, 're-encodes to the same length');
    },
  },
  { name: 'rtcp', ...protocolError, run: (input) => void parseRtcpCompound(input) },
  depacketizerTarget('rtp-h264', () => new H264Depacketizer(), true),
  depacketizerTarget('rtp-h265', () => new H265Depacketizer(), true),
  depacketizerTarget('rtp-aac', () => new AacDepacketizer({ clockRate: 48000 }), false),
  depacketizerTarget('rtp-mpa', () => new MpaDepacketizer(), false),
  depacketizerTarget('rtp-g711', () => new G711Depacketizer(), false),
  {
    name: 'mpegts',
    ...protocolError,
    run(input) {
      wholeAndBytes(input, () => {
        const frames = new TsToFrames({
          onDescription: () => {},
          onFrame: (f) => checkFrame(f, f.track === 'video'),
        });
        const demuxer = new TsDemuxer((pes) => frames.pushPes(pes), (types) => frames.pushProgram(types));
        return (piece) => demuxer.push(piece);
      });
    },
  },
  {
    name: 'websocket',
    allowed: (err) => err instanceof WebSocketFrameError,
    allowedName: 'WebSocketFrameError',
    run(input) {
      wholeAndBytes(input, () => {
        const reader = new WsFrameReader(() => {});
        return (piece) => reader.push(piece);
      });
    },
  },
];

function swallowProtocolError(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!isProtocolError(err)) throw err;
  }
}

/** Runs `target` on `input`: passes when it returns or throws its allowed error. */
export function runTarget(target: FuzzTarget, input: Buffer): void {
  const copy = Buffer.from(input);
  try {
    target.run(input);
  } catch (thrown) {
    for (const err of thrown instanceof AggregateError ? thrown.errors : [thrown]) {
      if (err instanceof assert.AssertionError || !target.allowed(err)) {
        throw new Error(`${target.name}: expected only ${target.allowedName}, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
      }
    }
  }
  assert.deepEqual(input, copy, `${target.name}: the input Buffer was modified`);
}
