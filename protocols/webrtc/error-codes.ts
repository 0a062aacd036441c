/** Error codes of protocols/webrtc; every code is listed in docs/errors.md. */
export const WEBRTC_ERROR_CODES = [
  'WEBRTC_OFFER_TOO_LARGE',
  'WEBRTC_OFFER_MALFORMED',
  'WEBRTC_OFFER_UNSUPPORTED',
] as const;

export type WebrtcErrorCode = (typeof WEBRTC_ERROR_CODES)[number];
