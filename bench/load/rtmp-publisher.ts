/**
 * An RTMP publisher for load: replays the tags of an FLV file in real time (looping, timestamps
 * continued across loops, as `ffmpeg -re -stream_loop -1 -c copy` does), optionally stamping every
 * video access unit with an SEI NAL unit carrying the send time (see stamp.ts).
 * Flow: handshake, connect, releaseStream, FCPublish, createStream, publish, then tags.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { encodeAmf0 } from '../../protocols/rtmp/amf0/amf0-encoder.ts';
import { decodeAmf0 } from '../../protocols/rtmp/amf0/amf0-decoder.ts';
import { encodeChunks } from '../../protocols/rtmp/chunk/chunk-writer.ts';
import type { FlvTag } from '../../protocols/flv/flv-demuxer.ts';
import { ChunkWalker } from './rtmp-chunks.ts';
import { command, control, type RtmpTarget } from './rtmp-player.ts';
import { nowUs, stampNalu, STAMP_NALU_BYTES } from './stamp.ts';

const HANDSHAKE = 1536;
/** The chunk size it announces (Set Chunk Size) and chunks with, unless told otherwise. */
export const DEFAULT_PUBLISH_CHUNK_SIZE = 4096;
/** Send times kept at most (recordSends): 40 minutes of video at 25 frames/s. */
const MAX_SEND_TIMES = 60_000;

export interface PublisherStats {
  /** Wire bytes written (chunks and headers included). */
  bytes: number;
  /** Tags written. */
  tags: number;
  /** Largest socket backlog seen (bytes queued in Node, not yet taken by the kernel). */
  maxBacklog: number;
  publishing: boolean;
  error: string | undefined;
  closed: boolean;
}

export class RtmpPublisher {
  readonly stats: PublisherStats = { bytes: 0, tags: 0, maxBacklog: 0, publishing: false, error: undefined, closed: false };
  readonly #socket: net.Socket;
  readonly #target: RtmpTarget;
  readonly #tags: readonly FlvTag[];
  readonly #loopMs: number;
  readonly #stamp: boolean;
  readonly #recordSends: boolean;
  /**
   * With recordSends: the wall-clock time (ms since the epoch, performance.timeOrigin + now) at which
   * each video access unit was written to the socket, by send order (frame k of the file in loop L
   * is entry L * framesPerLoop + k). A burnt-in frame number seen in a browser maps back to it.
   */
  readonly sendEpochMs: number[] = [];
  readonly #walker: ChunkWalker;
  readonly #chunkSize: number;
  #hs: Buffer[] | null = [];
  #hsBytes = 0;
  #streamId = 1;
  #startMs = 0;
  #index = 0;
  #loop = 0;

  /** chunkSize: announced with Set Chunk Size right after the handshake, then used for every message (RTMP allows 1..2^31-1; 128..65536 here). */
  constructor(target: RtmpTarget, tags: readonly FlvTag[], loopMs: number, stamp: boolean, recordSends = false, chunkSize = DEFAULT_PUBLISH_CHUNK_SIZE) {
    if (!Number.isInteger(chunkSize) || chunkSize < 128 || chunkSize > 65536) throw new Error(`publisher chunk size ${chunkSize}: 128..65536`);
    this.#chunkSize = chunkSize;
    this.#target = target;
    this.#recordSends = recordSends;
    this.#tags = tags;
    this.#loopMs = loopMs;
    this.#stamp = stamp;
    this.#walker = new ChunkWalker((t, _ts, _l, head) => this.#onMessage(t, head));
    const s = net.connect({ host: target.host, port: target.port });
    s.setNoDelay(true);
    this.#socket = s;
    s.on('connect', () => {
      const c0c1 = randomBytes(1 + HANDSHAKE);
      c0c1[0] = 3;
      c0c1.writeUInt32BE(0, 1);
      c0c1.writeUInt32BE(0, 5);
      s.write(c0c1);
    });
    s.on('data', (d: Buffer) => this.#onData(d));
    s.on('error', (e) => (this.stats.error ??= e.message));
    s.on('close', () => {
      this.stats.closed = true;
      this.stats.publishing = false;
    });
  }

  /** The tags it replays (one loop). */
  get tags(): readonly FlvTag[] {
    return this.#tags;
  }

  close(): void {
    this.#socket.destroy();
  }

  /** Sends every tag that is due (real-time pace from the publish start). Called by a shared timer. */
  tick(nowMs: number): void {
    if (!this.stats.publishing || this.#socket.destroyed) return;
    const elapsed = nowMs - this.#startMs;
    const s = this.#socket;
    let sent = 0;
    s.cork();
    for (let guard = 0; guard < 10_000; guard++) {
      const tag = this.#tags[this.#index];
      if (tag === undefined) {
        this.#index = 0;
        this.#loop++;
        continue;
      }
      const ts = tag.timestampMs + this.#loop * this.#loopMs;
      if (ts > elapsed) break;
      this.#send(tag, ts);
      this.#index++;
      sent++;
    }
    s.uncork();
    if (sent > 0 && s.writableLength > this.stats.maxBacklog) this.stats.maxBacklog = s.writableLength;
  }

  #send(tag: FlvTag, ts: number): void {
    let payload: Buffer | Buffer[] = tag.body;
    if (tag.type === 18) {
      payload = [encodeAmf0('@setDataFrame'), tag.body];
    } else if (this.#stamp && tag.type === 9 && tag.body.length > 5 && tag.body[1] === 1) {
      const prefix = Buffer.allocUnsafe(5 + 4 + STAMP_NALU_BYTES);
      tag.body.copy(prefix, 0, 0, 5);
      prefix.writeUInt32BE(STAMP_NALU_BYTES, 5);
      stampNalu(nowUs()).copy(prefix, 9);
      payload = [prefix, tag.body.subarray(5)];
    }
    if (this.#recordSends && tag.type === 9 && tag.body[1] === 1 && this.sendEpochMs.length < MAX_SEND_TIMES) {
      this.sendEpochMs.push(performance.timeOrigin + performance.now());
    }
    const csid = tag.type === 9 ? 6 : tag.type === 8 ? 4 : 5;
    const chunks = encodeChunks({ chunkStreamId: csid, timestamp: ts, typeId: tag.type, messageStreamId: this.#streamId, payload }, this.#chunkSize);
    for (const c of chunks) {
      this.#socket.write(c);
      this.stats.bytes += c.length;
    }
    this.stats.tags++;
  }

  #onData(d: Buffer): void {
    if (this.#hs !== null) {
      this.#hs.push(d);
      this.#hsBytes += d.length;
      if (this.#hsBytes < 1 + 2 * HANDSHAKE) return;
      const all = Buffer.concat(this.#hs);
      this.#hs = null;
      const t = this.#target;
      this.#socket.write(Buffer.concat([
        all.subarray(1, 1 + HANDSHAKE),
        ...control(1, u32(this.#chunkSize)),
        ...command('connect', 1, { app: t.app, type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; FMSc/1.0)', tcUrl: `rtmp://${t.host}:${t.port}/${t.app}` }, [], 0, 3, this.#chunkSize),
      ]));
      const rest = all.subarray(1 + 2 * HANDSHAKE);
      if (rest.length > 0) this.#walker.push(rest);
      return;
    }
    this.#walker.push(d);
  }

  #onMessage(typeId: number, head: Buffer): void {
    if (typeId !== 20) return;
    const v = decodeAmf0(head);
    const name = v[0];
    const tx = v[1];
    const stream = this.#target.stream;
    if (name === '_result' && tx === 1) {
      this.#socket.write(Buffer.concat([
        ...command('releaseStream', 2, null, [stream], 0, 3, this.#chunkSize),
        ...command('FCPublish', 3, null, [stream], 0, 3, this.#chunkSize),
        ...command('createStream', 4, null, [], 0, 3, this.#chunkSize),
      ]));
    } else if (name === '_result' && tx === 4) {
      this.#streamId = typeof v[3] === 'number' ? v[3] : 1;
      this.#socket.write(Buffer.concat(command('publish', 5, null, [stream, 'live'], this.#streamId, 8, this.#chunkSize)));
    } else if (name === 'onStatus') {
      const info = v[3] as { code?: unknown } | undefined;
      const code = typeof info?.code === 'string' ? info.code : '';
      if (code === 'NetStream.Publish.Start') {
        this.stats.publishing = true;
        this.#startMs = performance.now();
      } else if (code.includes('Publish')) {
        this.stats.error ??= code;
      }
    }
  }
}

function u32(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v >>> 0, 0);
  return b;
}
