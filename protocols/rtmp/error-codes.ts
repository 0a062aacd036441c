/** Error codes of protocols/rtmp; every code is listed in docs/errors.md. */
export const RTMP_ERROR_CODES = [
  'RTMP_AMF_TRUNCATED',
  'RTMP_AMF_MARKER_UNSUPPORTED',
  'RTMP_AMF_TOO_DEEP',
  'RTMP_AMF_REFERENCE_INVALID',
  'RTMP_AMF_ENCODE_UNSUPPORTED',
] as const;

export type RtmpErrorCode = (typeof RTMP_ERROR_CODES)[number];
