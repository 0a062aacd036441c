/**
 * Limits the RTSP message reader enforces before buffering anything a peer announces. A message
 * over a limit is a framing error: the connection that sent it is closed.
 */

/** Longest start line or header line, without CRLF. 8 KiB: long enough for any camera URL. */
export const MAX_LINE_BYTES = 8192;
/** Most header fields in one message. Real clients send fewer than 20. */
export const MAX_HEADER_COUNT = 64;
/** Largest header section (start line + fields + line ends). */
export const MAX_HEADER_BYTES = 32 * 1024;
/** Largest body (Content-Length); bodies are SDP or parameter lists. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Largest interleaved binary frame. The length field is 16 bits, so 65535 is the wire's own cap. */
export const MAX_INTERLEAVED_FRAME_BYTES = 65535;

export interface RtspMessageLimits {
  /** Defaults to MAX_LINE_BYTES. */
  readonly maxLineBytes: number;
  /** Defaults to MAX_HEADER_COUNT. */
  readonly maxHeaderCount: number;
  /** Defaults to MAX_HEADER_BYTES. */
  readonly maxHeaderBytes: number;
  /** Defaults to MAX_BODY_BYTES. */
  readonly maxBodyBytes: number;
  /** Defaults to MAX_INTERLEAVED_FRAME_BYTES. */
  readonly maxInterleavedFrameBytes: number;
}

export const DEFAULT_RTSP_MESSAGE_LIMITS: RtspMessageLimits = Object.freeze({
  maxLineBytes: MAX_LINE_BYTES,
  maxHeaderCount: MAX_HEADER_COUNT,
  maxHeaderBytes: MAX_HEADER_BYTES,
  maxBodyBytes: MAX_BODY_BYTES,
  maxInterleavedFrameBytes: MAX_INTERLEAVED_FRAME_BYTES,
});
