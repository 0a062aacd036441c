/** Error codes of protocols/rtmp; every code is listed in docs/errors.md. */
export const RTMP_ERROR_CODES = [
] as const;

export type RtmpErrorCode = (typeof RTMP_ERROR_CODES)[number];
