/**
 * Incremental RTSP/1.0 reader (RFC 2326 §4, §6, §7, §10.12) over one TCP connection: requests,
 * responses and `$`-interleaved binary frames in any order and any segmentation. Every length a
 * peer announces is checked against RtspMessageLimits before bytes are buffered for it.
 */
import { ByteQueue } from '../../bytes/byte-queue.ts';
import { ProtocolError } from '../../errors.ts';
import { DEFAULT_RTSP_MESSAGE_LIMITS, type RtspMessageLimits } from './limits.ts';
import { RtspHeaders } from './rtsp-headers.ts';
import type { RtspReaderItem } from './rtsp-message.ts';

const DOLLAR = 0x24;
const CR = 0x0d;
const LF = 0x0a;
const INTERLEAVED_HEADER_BYTES = 4;
const EMPTY = Buffer.alloc(0);
/** RFC 2616 §2.2 token characters (RTSP reuses HTTP's grammar). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const RESPONSE_LINE = /^RTSP\/(\d+)\.(\d+) +(\d{3})(?: +(.*))?$/;
const VERSION = /^RTSP\/(\d+)\.(\d+)$/;

type ReaderState = 'start' | 'headers' | 'body';

type StartLine =
  | { kind: 'request'; method: string; uri: string; version: string }
  | { kind: 'response'; version: string; statusCode: number; reason: string };

export class RtspMessageReader {
  readonly #queue = new ByteQueue();
  readonly #limits: RtspMessageLimits;
  readonly #onItem: (item: RtspReaderItem) => void;
  #state: ReaderState = 'start';
  #startLine: StartLine | undefined;
  #headers = new RtspHeaders();
  #headerBytes = 0;
  #bodyBytes = 0;

  /** `onItem` receives every complete request, response and interleaved frame, in order. */
  constructor(onItem: (item: RtspReaderItem) => void, limits: Partial<RtspMessageLimits> = {}) {
    this.#onItem = onItem;
    this.#limits = { ...DEFAULT_RTSP_MESSAGE_LIMITS, ...limits };
  }

  /** Bytes received but not yet handed out. */
  get bufferedBytes(): number {
    return this.#queue.length;
  }

  /** Memory the buffered bytes keep alive (backing stores of the queued pieces), for budgets. */
  get retainedBytes(): number {
    return this.#queue.retainedBytes;
  }

  /** Feeds bytes; emits every complete item; throws ProtocolError on a framing violation. */
  push(chunk: Buffer): void {
    this.#queue.push(chunk);
    this.#drain();
  }

  /**
   * Like `push`, for bytes valid only during this call (a read buffer shared by every socket):
   * frames and bodies handed out are copied out of them, and what is left unparsed is copied at
   * the end.
   */
  pushLent(chunk: Buffer): void {
    this.#queue.withLent(chunk, this.#drain);
  }

  readonly #drain = (): void => {
    while (this.#step()) {
      // each step made progress
    }
  };

  #step(): boolean {
    switch (this.#state) {
      case 'start':
        return this.#stepStart();
      case 'headers':
        return this.#stepHeaders();
      case 'body':
        return this.#stepBody();
      default:
        return assertNever(this.#state);
    }
  }

  #stepStart(): boolean {
    const q = this.#queue;
    if (q.length === 0) return false;
    const first = q.peekByte(0);
    if (first === DOLLAR) return this.#stepInterleaved();
    if (first === CR || first === LF) {
      // Blank lines between messages: some clients send a bare CRLF as a keepalive.
      q.skip(1);
      return true;
    }
    const line = this.#readLine();
    if (line === null) return false;
    this.#startLine = parseStartLine(line);
    this.#headers = new RtspHeaders();
    this.#state = 'headers';
    return true;
  }

  #stepInterleaved(): boolean {
    const q = this.#queue;
    if (q.length < INTERLEAVED_HEADER_BYTES) return false;
    const channel = q.peekByte(1);
    const size = (q.peekByte(2) << 8) | q.peekByte(3);
    if (size > this.#limits.maxInterleavedFrameBytes) {
      throw new ProtocolError(
        'RTSP_INTERLEAVED_FRAME_TOO_LARGE',
        `interleaved frame of ${size} bytes on channel ${channel} exceeds ${this.#limits.maxInterleavedFrameBytes}`,
      );
    }
    if (q.length < INTERLEAVED_HEADER_BYTES + size) return false;
    q.skip(INTERLEAVED_HEADER_BYTES);
    const payload = size === 0 ? EMPTY : q.consumeKept(size);
    this.#onItem({ kind: 'interleaved', channel, payload });
    return true;
  }

  #stepHeaders(): boolean {
    const line = this.#readLine();
    if (line === null) return false;
    if (line.length === 0) {
      this.#bodyBytes = contentLength(this.#headers, this.#limits.maxBodyBytes);
      if (this.#bodyBytes === 0) this.#emit(EMPTY);
      else this.#state = 'body';
      return true;
    }
    const firstChar = line.charCodeAt(0);
    if (firstChar === 0x20 || firstChar === 0x09) {
      if (!this.#headers.appendToLast(line.trim())) {
        throw new ProtocolError('RTSP_HEADER_INVALID', 'continuation line before any header field');
      }
      return true;
    }
    if (this.#headers.size >= this.#limits.maxHeaderCount) {
      throw new ProtocolError('RTSP_TOO_MANY_HEADERS', `more than ${this.#limits.maxHeaderCount} header fields`);
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trimEnd() : '';
    if (!TOKEN.test(name)) {
      throw new ProtocolError('RTSP_HEADER_INVALID', `malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
    }
    this.#headers.append(name, line.slice(colon + 1).trim());
    return true;
  }

  #stepBody(): boolean {
    if (this.#queue.length < this.#bodyBytes) return false;
    this.#emit(this.#queue.consumeKept(this.#bodyBytes));
    return true;
  }

  #emit(body: Buffer): void {
    const start = this.#startLine!;
    const headers = this.#headers;
    this.#state = 'start';
    this.#startLine = undefined;
    this.#headerBytes = 0;
    this.#bodyBytes = 0;
    if (start.kind === 'request') {
      this.#onItem({ kind: 'request', method: start.method, uri: start.uri, version: start.version, headers, body });
    } else {
      const { version, statusCode, reason } = start;
      this.#onItem({ kind: 'response', version, statusCode, reason, headers, body });
    }
  }

  /** Next line without its CR LF (a bare LF is tolerated), or null when it is not complete yet. */
  #readLine(): string | null {
    const q = this.#queue;
    const max = this.#limits.maxLineBytes;
    // A line of max bytes plus CR LF ends at index max + 1.
    const lf = q.indexOf(LF, 0, max + 2);
    if (lf < 0) {
      if (q.length > max + 1) throw new ProtocolError('RTSP_LINE_TOO_LONG', `line longer than ${max} bytes`);
      if (this.#headerBytes + q.length > this.#limits.maxHeaderBytes) throw headerTooLong(this.#limits);
      return null;
    }
    this.#headerBytes += lf + 1;
    if (this.#headerBytes > this.#limits.maxHeaderBytes) throw headerTooLong(this.#limits);
    const raw = q.consume(lf + 1);
    let end = lf;
    if (end > 0 && raw[end - 1] === CR) end--;
    if (end > max) throw new ProtocolError('RTSP_LINE_TOO_LONG', `line longer than ${max} bytes`);
    return raw.toString('latin1', 0, end);
  }
}

function headerTooLong(limits: RtspMessageLimits): ProtocolError {
  return new ProtocolError('RTSP_HEADER_TOO_LONG', `header section longer than ${limits.maxHeaderBytes} bytes`);
}

function parseStartLine(line: string): StartLine {
  if (line.startsWith('RTSP/')) {
    const m = RESPONSE_LINE.exec(line);
    if (m === null) throw new ProtocolError('RTSP_START_LINE_INVALID', `malformed status line: ${quote(line)}`);
    checkMajorVersion(m[1]!, line);
    return { kind: 'response', version: `RTSP/${m[1]}.${m[2]}`, statusCode: Number(m[3]), reason: m[4] ?? '' };
  }
  const parts = line.split(' ').filter((p) => p.length > 0);
  if (parts.length !== 3) throw new ProtocolError('RTSP_START_LINE_INVALID', `malformed request line: ${quote(line)}`);
  const [method, uri, version] = parts as [string, string, string];
  if (!TOKEN.test(method)) throw new ProtocolError('RTSP_START_LINE_INVALID', `malformed method: ${quote(method)}`);
  const v = VERSION.exec(version);
  if (v === null) {
    throw new ProtocolError('RTSP_START_LINE_INVALID', `not an RTSP request line (HTTP tunnelling is not supported): ${quote(line)}`);
  }
  checkMajorVersion(v[1]!, line);
  return { kind: 'request', method, uri, version };
}

function checkMajorVersion(major: string, line: string): void {
  if (major !== '1') throw new ProtocolError('RTSP_VERSION_UNSUPPORTED', `unsupported RTSP version: ${quote(line)}`);
}

/**
 * Body length from the framing headers. Framing must be unambiguous (RFC 9112 §6.3, the request
 * smuggling rules): a repeated Content-Length (even with equal values) or any Transfer-Encoding (RTSP
 * has no chunked bodies) is refused, since a reader that picked another value than ours would see the
 * body as a second message. The connection is closed after the 400.
 */
function contentLength(headers: RtspHeaders, maxBodyBytes: number): number {
  if (headers.has('Transfer-Encoding')) {
    throw new ProtocolError('RTSP_TRANSFER_ENCODING_UNSUPPORTED', `Transfer-Encoding is not used by RTSP: ${quote(headers.get('Transfer-Encoding')!)}`);
  }
  const all = headers.getAll('Content-Length');
  if (all.length > 1) throw new ProtocolError('RTSP_CONTENT_LENGTH_INVALID', `repeated Content-Length: ${quote(all.join(', '))}`);
  const raw = all[0];
  if (raw === undefined) return 0;
  if (!/^\d{1,15}$/.test(raw)) throw new ProtocolError('RTSP_CONTENT_LENGTH_INVALID', `bad Content-Length: ${quote(raw)}`);
  const n = Number(raw);
  if (n > maxBodyBytes) throw new ProtocolError('RTSP_BODY_TOO_LARGE', `body of ${n} bytes exceeds ${maxBodyBytes}`);
  return n;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 120 ? `${s.slice(0, 120)}...` : s);
}

function assertNever(x: never): never {
  throw new Error(`unexpected reader state ${String(x)}`);
}
