/** Error codes of protocols/rtsp; every code is listed in docs/errors.md. */
export const RTSP_ERROR_CODES = [
] as const;

export type RtspErrorCode = (typeof RTSP_ERROR_CODES)[number];
