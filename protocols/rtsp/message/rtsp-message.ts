/** The three things an RTSP TCP connection carries: requests, responses and interleaved frames. */
import type { RtspHeaders } from './rtsp-headers.ts';

export const RTSP_VERSION = 'RTSP/1.0';

/** Methods of RFC 2326 §10, plus the names used by both server and client machines. */
export const RtspMethod = {
  Options: 'OPTIONS',
  Describe: 'DESCRIBE',
  Announce: 'ANNOUNCE',
  Setup: 'SETUP',
  Play: 'PLAY',
  Pause: 'PAUSE',
  Record: 'RECORD',
  Teardown: 'TEARDOWN',
  GetParameter: 'GET_PARAMETER',
  SetParameter: 'SET_PARAMETER',
  Redirect: 'REDIRECT',
} as const;
export type KnownRtspMethod = (typeof RtspMethod)[keyof typeof RtspMethod];

export interface RtspRequest {
  readonly kind: 'request';
  /** Method token as sent (case-sensitive, RFC 2326 §6.1). */
  readonly method: string;
  /** Request-URI as sent: an absolute rtsp:// URL or `*`. */
  readonly uri: string;
  readonly version: string;
  readonly headers: RtspHeaders;
  /** Empty when there is no body. A view into received bytes: copy to keep. */
  readonly body: Buffer;
}

export interface RtspResponse {
  readonly kind: 'response';
  readonly version: string;
  readonly statusCode: number;
  readonly reason: string;
  readonly headers: RtspHeaders;
  readonly body: Buffer;
}

/** RFC 2326 §10.12: `$`, one channel byte, a 16-bit length, then that many bytes (RTP or RTCP). */
export interface InterleavedFrame {
  readonly kind: 'interleaved';
  readonly channel: number;
  /** A view into received bytes: copy to keep beyond the callback. */
  readonly payload: Buffer;
}

export type RtspMessage = RtspRequest | RtspResponse;
export type RtspReaderItem = RtspRequest | RtspResponse | InterleavedFrame;
