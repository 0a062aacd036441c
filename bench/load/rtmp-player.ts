/**
 * A light RTMP player for load: plain handshake (C0/C1/C2), connect, createStream, play, Window
 * Acknowledgement and ping answers; counts bytes, notes the first video keyframe, and (when
 * `probe`) reads the publisher's SEI stamp from the head of every video message.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { encodeAmf0 } from '../../protocols/rtmp/amf0/amf0-encoder.ts';
import { decodeAmf0 } from '../../protocols/rtmp/amf0/amf0-decoder.ts';
import { encodeChunks } from '../../protocols/rtmp/chunk/chunk-writer.ts';
import { ChunkWalker } from './rtmp-chunks.ts';
import { nowUs, readStamp } from './stamp.ts';
import { ReaderStats } from './reader-stats.ts';

const HANDSHAKE = 1536;
const C0C1 = (() => {
  const b = randomBytes(1 + HANDSHAKE);
  b[0] = 3;
  b.writeUInt32BE(0, 1);
  b.writeUInt32BE(0, 5); // zero version: the plain (non-digest) handshake
  return b;
})();
/** Head bytes of video messages we look at: FLV video tag header + first NAL units. */
const VIDEO_HEAD = 96;

export interface RtmpTarget {
  readonly host: string;
  readonly port: number;
  readonly app: string;
  readonly stream: string;
}

export function parseRtmpUrl(url: string): RtmpTarget {
  const u = new URL(url);
  const parts = u.pathname.replace(/^\//, '').split('/');
  return { host: u.hostname, port: Number(u.port || 1935), app: parts[0] ?? '', stream: parts.slice(1).join('/') };
}

export function command(name: string, tx: number, obj: unknown, args: unknown[], msid = 0, csid = 3, chunkSize = 128): Buffer[] {
  return encodeChunks(
    { chunkStreamId: csid, timestamp: 0, typeId: 20, messageStreamId: msid, payload: encodeAmf0(name as never, tx, obj as never, ...(args as never[])) },
    chunkSize,
  );
}

export function control(typeId: number, body: Buffer): Buffer[] {
  return encodeChunks({ chunkStreamId: 2, timestamp: 0, typeId, messageStreamId: 0, payload: body }, 128);
}

function u32(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v >>> 0, 0);
  return b;
}

export class RtmpPlayer {
  readonly stats = new ReaderStats();
  readonly #socket: net.Socket;
  readonly #target: RtmpTarget;
  readonly #probe: boolean;
  readonly #walker: ChunkWalker;
  #hs: Buffer[] | null = [];
  #hsBytes = 0;
  #windowAck = 2_500_000;
  #lastAck = 0;
  #total = 0;

  constructor(target: RtmpTarget, probe: boolean) {
    this.#target = target;
    this.#probe = probe;
    this.#walker = new ChunkWalker((t, ts, len, head) => this.#onMessage(t, ts, len, head));
    this.#walker.mediaCapture = VIDEO_HEAD;
    this.stats.connectStartUs = nowUs();
    const s = net.connect({ host: target.host, port: target.port });
    this.#socket = s;
    s.on('connect', () => s.write(C0C1));
    s.on('data', (d: Buffer) => this.#onData(d));
    s.on('error', (e) => (this.stats.error ??= e.message));
    s.on('close', () => (this.stats.closed = true));
  }

  close(): void {
    this.#socket.destroy();
  }

  #onData(d: Buffer): void {
    const n = d.length;
    this.stats.bytes += n;
    this.#total += n;
    if (this.#total - this.#lastAck >= this.#windowAck) {
      this.#lastAck = this.#total;
      this.#socket.write(Buffer.concat(control(3, u32(this.#total))));
    }
    if (this.#hs !== null) {
      this.#hs.push(d);
      this.#hsBytes += n;
      if (this.#hsBytes < 1 + 2 * HANDSHAKE) return;
      const all = Buffer.concat(this.#hs);
      this.#hs = null;
      const s1 = all.subarray(1, 1 + HANDSHAKE);
      const t = this.#target;
      this.#socket.write(Buffer.concat([s1, ...command('connect', 1, { app: t.app, flashVer: 'LNX 9,0,124,2', tcUrl: `rtmp://${t.host}:${t.port}/${t.app}`, fpad: false, capabilities: 15, audioCodecs: 4071, videoCodecs: 252, videoFunction: 1 }, [])]));
      const rest = all.subarray(1 + 2 * HANDSHAKE);
      if (rest.length > 0) this.#walker.push(rest);
      return;
    }
    this.#walker.push(d);
  }

  #onMessage(typeId: number, _ts: number, _length: number, head: Buffer): void {
    const st = this.stats;
    if (typeId === 9) {
      if (head.length < 2) return;
      const keyframe = head[0]! >> 4 === 1 && head[1] === 1;
      const now = nowUs();
      if (keyframe && st.firstKeyframeUs === 0) st.firstKeyframeUs = now;
      if (this.#probe && head[1] === 1 && st.firstKeyframeUs !== 0 && head.length >= 9) {
        const naluLen = head.readUInt32BE(5);
        const stamp = readStamp(head, 9, Math.min(head.length, 9 + naluLen));
        if (stamp >= 0) st.addLatency(now - stamp);
      }
      if (st.firstKeyframeUs !== 0 && !this.#probe) this.#walker.mediaCapture = 0;
      return;
    }
    if (typeId === 5 && head.length >= 4) {
      this.#windowAck = head.readUInt32BE(0);
      return;
    }
    if (typeId === 4 && head.length >= 6 && head.readUInt16BE(0) === 6) {
      const b = Buffer.allocUnsafe(6);
      b.writeUInt16BE(7, 0);
      head.copy(b, 2, 2, 6);
      this.#socket.write(Buffer.concat(control(4, b)));
      return;
    }
    if (typeId === 20) this.#onCommand(head);
  }

  #onCommand(body: Buffer): void {
    const v = decodeAmf0(body);
    const name = v[0];
    const tx = v[1];
    if (name === '_result' && tx === 1) {
      this.#socket.write(Buffer.concat(command('createStream', 2, null, [])));
    } else if (name === '_result' && tx === 2) {
      const id = typeof v[3] === 'number' ? v[3] : 1;
      const setBuffer = Buffer.allocUnsafe(10);
      setBuffer.writeUInt16BE(3, 0);
      setBuffer.writeUInt32BE(id, 2);
      setBuffer.writeUInt32BE(100, 6);
      this.#socket.write(Buffer.concat([...command('play', 3, null, [this.#target.stream, -2], id, 8), ...control(4, setBuffer)]));
    } else if (name === 'onStatus') {
      const info = v[3] as { code?: unknown } | undefined;
      const code = typeof info?.code === 'string' ? info.code : '';
      if (code === 'NetStream.Play.Start') this.stats.playingUs = nowUs();
      else if (code.includes('NotFound') || code.includes('Failed')) this.stats.error ??= code;
    }
  }
}
