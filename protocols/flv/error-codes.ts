/** Error codes of protocols/flv; every code is listed in docs/errors.md. */
export const FLV_ERROR_CODES = [
] as const;

export type FlvErrorCode = (typeof FLV_ERROR_CODES)[number];
