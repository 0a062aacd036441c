/**
 * RTSP message serialization. A message is rendered once into one Buffer (start line, fields,
 * blank line, body). Interleaved frame headers are 4 bytes written beside the payload, so the same
 * RTP packet Buffer can go to every reader with only its channel byte differing.
 */
import { RtspHeaders, type RtspHeaderInit } from './rtsp-headers.ts';
import { RTSP_VERSION, type RtspRequest, type RtspResponse } from './rtsp-message.ts';
import { reasonPhrase } from './status-codes.ts';

const EMPTY = Buffer.alloc(0);
const FORBIDDEN_IN_LINE = /[\r\n]/;

export interface RequestInit {
  readonly method: string;
  readonly uri: string;
  readonly headers?: RtspHeaderInit;
  readonly body?: Buffer | string;
}

export interface ResponseInit {
  readonly statusCode: number;
  /** Defaults to the standard reason phrase of statusCode. */
  readonly reason?: string;
  readonly headers?: RtspHeaderInit;
  readonly body?: Buffer | string;
}

export function createRequest(init: RequestInit): RtspRequest {
  return {
    kind: 'request',
    method: init.method,
    uri: init.uri,
    version: RTSP_VERSION,
    headers: new RtspHeaders(init.headers),
    body: toBuffer(init.body),
  };
}

export function createResponse(init: ResponseInit): RtspResponse {
  return {
    kind: 'response',
    version: RTSP_VERSION,
    statusCode: init.statusCode,
    reason: init.reason ?? reasonPhrase(init.statusCode),
    headers: new RtspHeaders(init.headers),
    body: toBuffer(init.body),
  };
}

/** Renders a request; Content-Length is set from the body (and removed when there is none). */
export function encodeRequest(req: RtspRequest): Buffer {
  return encode(`${req.method} ${req.uri} ${req.version}`, req.headers, req.body);
}

export function encodeResponse(res: RtspResponse): Buffer {
  return encode(`${res.version} ${res.statusCode} ${res.reason}`, res.headers, res.body);
}

/** The 4-byte `$ channel length` header of RFC 2326 §10.12 for a payload of `size` bytes. */
export function encodeInterleavedHeader(channel: number, size: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  writeInterleavedHeader(out, 0, channel, size);
  return out;
}

/** Writes the interleaved header at `offset` of `buf`; returns the bytes written (4). */
export function writeInterleavedHeader(buf: Buffer, offset: number, channel: number, size: number): number {
  if (channel < 0 || channel > 255 || size < 0 || size > 0xffff) {
    throw new RangeError(`interleaved channel ${channel} / size ${size} out of range`);
  }
  buf[offset] = 0x24;
  buf[offset + 1] = channel;
  buf.writeUInt16BE(size, offset + 2);
  return 4;
}

function encode(startLine: string, headers: RtspHeaders, body: Buffer): Buffer {
  let head = `${startLine}\r\n`;
  let sawLength = false;
  for (const [name, value] of headers) {
    if (name.toLowerCase() === 'content-length') {
      sawLength = true;
      continue;
    }
    head += `${checkLine(name)}: ${checkLine(value)}\r\n`;
  }
  if (body.length > 0 || sawLength) head += `Content-Length: ${body.length}\r\n`;
  head += '\r\n';
  checkLine(startLine);
  const headBytes = Buffer.byteLength(head, 'latin1');
  const out = Buffer.allocUnsafe(headBytes + body.length);
  out.write(head, 0, 'latin1');
  body.copy(out, headBytes);
  return out;
}

function checkLine(text: string): string {
  if (FORBIDDEN_IN_LINE.test(text)) throw new RangeError(`CR or LF inside an RTSP header: ${JSON.stringify(text)}`);
  return text;
}

function toBuffer(body: Buffer | string | undefined): Buffer {
  if (body === undefined) return EMPTY;
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}
