/** Error codes of protocols/rtp; every code is listed in docs/errors.md. */
export const RTP_ERROR_CODES = [
] as const;

export type RtpErrorCode = (typeof RTP_ERROR_CODES)[number];
