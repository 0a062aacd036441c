/** Error codes of protocols/rtp; every code is listed in docs/errors.md. */
export const RTP_ERROR_CODES = [
  'RTP_PACKET_TRUNCATED',
  'RTP_VERSION_UNSUPPORTED',
  'RTP_PADDING_INVALID',
  'RTCP_PACKET_TRUNCATED',
  'RTCP_VERSION_UNSUPPORTED',
  'RTCP_PACKET_INVALID',
] as const;

export type RtpErrorCode = (typeof RTP_ERROR_CODES)[number];
