/**
 * A light RTSP player for load, TCP interleaved (RFC 2326 §10.12): OPTIONS, DESCRIBE, SETUP per
 * track (video on channels 0-1), PLAY, then `$` frames counted in place. Until its first keyframe
 * (and for its whole life when `probe`) it looks into the video RTP packets: IDR in single NAL
 * units, STAP-A or FU-A start fragments (RFC 6184 §5.6-5.8), and the publisher's SEI stamp, taken
 * at the access unit's last packet (marker bit) as the frame's arrival.
 */
import net from 'node:net';
import { nowUs, readStamp } from './stamp.ts';
import { ReaderStats } from './reader-stats.ts';

const NAL_IDR = 5;
const NAL_STAP_A = 24;
const NAL_FU_A = 28;
/** Head bytes of a video RTP packet we look at. */
const PACKET_HEAD = 128;
const KEEPALIVE_MS = 20_000;
const MAX_TEXT = 64 * 1024;

export class RtspPlayer {
  readonly stats = new ReaderStats();
  readonly #socket: net.Socket;
  readonly #url: string;
  readonly #probe: boolean;
  #cseq = 0;
  #session = '';
  #text = '';
  /** Requests still to send after the current one: built from the DESCRIBE answer. */
  #plan: ((res: Response) => string | null)[] = [];
  #parsing = true;
  #playing = false;
  // interleaved walker state
  #stash: Buffer | null = null;
  #left = 0;
  #channel = -1;
  readonly #head = Buffer.allocUnsafe(PACKET_HEAD);
  #headLen = 0;
  #headWant = 0;
  // access unit state
  #auIdr = false;
  #auStamp = -1;
  #keepalive: NodeJS.Timeout | undefined;

  constructor(url: string, probe: boolean) {
    this.#url = url;
    this.#probe = probe;
    const u = new URL(url);
    this.stats.connectStartUs = nowUs();
    const s = net.connect({ host: u.hostname, port: Number(u.port || 554) });
    this.#socket = s;
    s.on('connect', () => this.#request('OPTIONS', url, {}));
    s.on('data', (d: Buffer) => this.#onData(d));
    s.on('error', (e) => (this.stats.error ??= e.message));
    s.on('close', () => {
      this.stats.closed = true;
      clearInterval(this.#keepalive);
    });
    this.#plan.push(() => {
      this.#request('DESCRIBE', url, { Accept: 'application/sdp' });
      return null;
    });
    this.#plan.push((res) => this.#setupAll(res));
  }

  close(): void {
    clearInterval(this.#keepalive);
    this.#socket.destroy();
  }

  #request(method: string, url: string, headers: Record<string, string>): void {
    let msg = `${method} ${url} RTSP/1.0\r\nCSeq: ${++this.#cseq}\r\nUser-Agent: cupola-bench\r\n`;
    if (this.#session !== '') msg += `Session: ${this.#session}\r\n`;
    for (const [k, v] of Object.entries(headers)) msg += `${k}: ${v}\r\n`;
    this.#socket.write(msg + '\r\n');
  }

  #setupAll(res: Response): null {
    if (res.status !== 200) {
      this.stats.error ??= `DESCRIBE ${res.status}`;
      return null;
    }
    const base = (res.headers.get('content-base') ?? this.#url).replace(/\/$/, '');
    const tracks: { kind: string; control: string }[] = [];
    for (const section of res.body.split(/\r?\nm=/).slice(1)) {
      const kind = section.split(' ')[0] ?? '';
      const control = /\r?\na=control:([^\r\n]+)/.exec(section)?.[1]?.trim() ?? '';
      tracks.push({ kind, control: /^rtsp:/i.test(control) ? control : control === '*' || control === '' ? base : `${base}/${control}` });
    }
    const video = tracks.filter((t) => t.kind === 'video');
    const others = tracks.filter((t) => t.kind !== 'video');
    const ordered = [...video, ...others];
    const steps: ((r: Response) => string | null)[] = [];
    ordered.forEach((t, i) => {
      steps.push((prev) => {
        if (i > 0 && prev.status !== 200) this.stats.error ??= `SETUP ${prev.status}`;
        if (i > 0 && this.#session === '') this.#session = (prev.headers.get('session') ?? '').split(';')[0]!.trim();
        this.#request('SETUP', t.control, { Transport: `RTP/AVP/TCP;unicast;interleaved=${i * 2}-${i * 2 + 1}` });
        return null;
      });
    });
    steps.push((prev) => {
      if (this.#session === '') this.#session = (prev.headers.get('session') ?? '').split(';')[0]!.trim();
      this.#request('PLAY', base, { Range: 'npt=0.000-' });
      return null;
    });
    steps.push((prev) => {
      if (prev.status !== 200) this.stats.error ??= `PLAY ${prev.status}`;
      this.#playing = true;
      this.stats.playingUs = nowUs();
      this.#keepalive = setInterval(() => this.#request('GET_PARAMETER', base, {}), KEEPALIVE_MS);
      return null;
    });
    // The first step runs now (this DESCRIBE answer is its input), the rest on each answer.
    this.#plan.push(...steps.slice(1));
    steps[0]!(res);
    return null;
  }

  #onData(d: Buffer): void {
    this.stats.bytes += d.length;
    if (!this.#parsing) return;
    this.#walk(d);
  }

  #onResponse(res: Response): void {
    const step = this.#plan.shift();
    if (step !== undefined) step(res);
  }

  /** Walks `$` frames and text responses in place. */
  #walk(data: Buffer): void {
    let o = 0;
    if (this.#stash !== null) {
      data = Buffer.concat([this.#stash, data]);
      this.#stash = null;
    }
    const n = data.length;
    for (let guard = 0; o < n && guard < 1_000_000; guard++) {
      if (this.#left > 0) {
        const take = Math.min(this.#left, n - o);
        if (this.#headLen < this.#headWant) {
          const c = Math.min(take, this.#headWant - this.#headLen);
          data.copy(this.#head, this.#headLen, o, o + c);
          this.#headLen += c;
          if (this.#headLen === this.#headWant) this.#onVideoPacket(this.#head.subarray(0, this.#headLen));
        }
        o += take;
        this.#left -= take;
        continue;
      }
      if (data[o] === 0x24) {
        if (n - o < 4) break;
        this.#channel = data[o + 1]!;
        this.#left = data.readUInt16BE(o + 2);
        o += 4;
        this.#headLen = 0;
        this.#headWant = this.#channel === 0 ? Math.min(this.#left, PACKET_HEAD) : 0;
        continue;
      }
      // A text response (setup, keep-alive answers).
      const end = data.indexOf('\r\n\r\n', o, 'latin1');
      if (end < 0) {
        if (n - o > MAX_TEXT) throw new Error('rtsp: response header too long');
        break;
      }
      const head = data.toString('latin1', o, end);
      const len = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (end + 4 + len > n) break;
      const body = data.toString('utf8', end + 4, end + 4 + len);
      o = end + 4 + len;
      this.#onResponse(parseResponse(head, body));
    }
    if (o < n) this.#stash = Buffer.from(data.subarray(o));
  }

  #onVideoPacket(p: Buffer): void {
    if (p.length < 13 || p[0]! >> 6 !== 2) return;
    const marker = (p[1]! & 0x80) !== 0;
    let off = 12 + (p[0]! & 0x0f) * 4;
    if ((p[0]! & 0x10) !== 0) {
      if (off + 4 > p.length) return;
      off += 4 + p.readUInt16BE(off + 2) * 4;
    }
    if (off >= p.length) return;
    const type = p[off]! & 0x1f;
    if (type === NAL_FU_A) {
      if (off + 1 < p.length && (p[off + 1]! & 0x80) !== 0 && (p[off + 1]! & 0x1f) === NAL_IDR) this.#auIdr = true;
    } else if (type === NAL_STAP_A) {
      let q = off + 1;
      for (let i = 0; i < 64 && q + 2 < p.length; i++) {
        const size = p.readUInt16BE(q);
        q += 2;
        this.#nalu(p, q, Math.min(p.length, q + size));
        q += size;
      }
    } else {
      this.#nalu(p, off, p.length);
    }
    if (marker) {
      const st = this.stats;
      const now = nowUs();
      if (this.#auIdr && st.firstKeyframeUs === 0) st.firstKeyframeUs = now;
      if (this.#auStamp >= 0 && st.firstKeyframeUs !== 0) st.addLatency(now - this.#auStamp);
      this.#auIdr = false;
      this.#auStamp = -1;
      if (st.firstKeyframeUs !== 0 && !this.#probe && this.#playing) this.#parsing = false;
    }
  }

  #nalu(p: Buffer, off: number, end: number): void {
    if (off >= end) return;
    const type = p[off]! & 0x1f;
    if (type === NAL_IDR) this.#auIdr = true;
    else if (this.#probe && type === 6) {
      const s = readStamp(p, off, end);
      if (s >= 0) this.#auStamp = s;
    }
  }
}

interface Response {
  readonly status: number;
  readonly headers: Map<string, string>;
  readonly body: string;
}

function parseResponse(head: string, body: string): Response {
  const lines = head.split('\r\n');
  const status = Number(lines[0]?.split(' ')[1] ?? 0);
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  return { status, headers, body };
}
