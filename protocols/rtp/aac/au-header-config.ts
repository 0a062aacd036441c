/** RFC 3640 AU-header layout parameters (from the SDP fmtp of an mpeg4-generic stream). */

export interface AuHeaderConfig {
  /** sizelength: bits of AU-size. AAC-hbr: 13. */
  readonly sizeLength: number;
  /** indexlength: bits of AU-Index in the first header. AAC-hbr: 3. */
  readonly indexLength: number;
  /** indexdeltalength: bits of AU-Index-delta in the following headers. AAC-hbr: 3. */
  readonly indexDeltaLength: number;
}

/** mode=AAC-hbr (RFC 3640 §3.3.6). */
export const AAC_HBR: AuHeaderConfig = { sizeLength: 13, indexLength: 3, indexDeltaLength: 3 };

/** Largest AU-size the 13-bit field of AAC-hbr can carry. */
export const AAC_HBR_MAX_AU_SIZE = 2 ** AAC_HBR.sizeLength - 1;
export const AU_HEADERS_LENGTH_BYTES = 2;
/** One AAC-hbr AU-header: 13 + 3 bits. */
export const AAC_HBR_AU_HEADER_BYTES = 2;
const MAX_SIZE_LENGTH = 16;
const MAX_INDEX_LENGTH = 8;

export function validateAuHeaderConfig(c: AuHeaderConfig): void {
  const ok =
    Number.isInteger(c.sizeLength) && c.sizeLength >= 1 && c.sizeLength <= MAX_SIZE_LENGTH &&
    Number.isInteger(c.indexLength) && c.indexLength >= 0 && c.indexLength <= MAX_INDEX_LENGTH &&
    Number.isInteger(c.indexDeltaLength) && c.indexDeltaLength >= 0 && c.indexDeltaLength <= MAX_INDEX_LENGTH;
  if (!ok) throw new RangeError(`unsupported AU-header layout ${JSON.stringify(c)}`);
}
