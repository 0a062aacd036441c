/**
 * The one error type thrown by pure protocol code. A framing error on a byte stream (RTMP chunks,
 * RTSP messages) closes the connection that sent it; a bad RTP packet drops one frame; corrupt
 * MPEG-TS from the compressor's ffmpeg restarts that ffmpeg.
 *
 * Each protocol area lists its codes in its own `error-codes.ts`; docs/errors.md lists them all and
 * test/unit/protocols/errors.test.ts checks that the two lists match.
 */
import { RTMP_ERROR_CODES } from './rtmp/error-codes.ts';
import { FLV_ERROR_CODES } from './flv/error-codes.ts';
import { RTSP_ERROR_CODES } from './rtsp/error-codes.ts';
import { RTP_ERROR_CODES } from './rtp/error-codes.ts';
import { CODEC_ERROR_CODES } from './codecs/error-codes.ts';
import { WEBRTC_ERROR_CODES } from './webrtc/error-codes.ts';
import { MPEGTS_ERROR_CODES } from './mpegts/error-codes.ts';

export const PROTOCOL_ERROR_CODES = [
  ...RTMP_ERROR_CODES,
  ...FLV_ERROR_CODES,
  ...RTSP_ERROR_CODES,
  ...RTP_ERROR_CODES,
  ...CODEC_ERROR_CODES,
  ...WEBRTC_ERROR_CODES,
  ...MPEGTS_ERROR_CODES,
] as const;

export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function isProtocolError(err: unknown): err is ProtocolError {
  return err instanceof ProtocolError;
}
