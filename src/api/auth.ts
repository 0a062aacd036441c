/**
 * Bearer token check in constant time: both sides are hashed to equal-length digests first, so
 * timingSafeEqual never throws and the comparison time reveals neither the token nor its length.
 * Tokens are never logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export class TokenAuth {
  #expected: Buffer | null;

  /** @param token the API token; undefined = auth disabled (every request allowed). */
  constructor(token: string | undefined) {
    this.#expected = token === undefined || token === '' ? null : digest(token);
  }

  get enabled(): boolean {
    return this.#expected !== null;
  }

  /** Checks a raw token (WebSocket `?token=` query parameter). */
  checkToken(token: string): boolean {
    if (this.#expected === null) return true;
    return timingSafeEqual(digest(token), this.#expected);
  }

  /** Checks an Authorization header value (`Bearer <token>`, scheme case-insensitive). */
  checkHeader(authorization: string): boolean {
    if (this.#expected === null) return true;
    const m = /^bearer\s+(\S+)\s*$/i.exec(authorization);
    // Compare even when malformed so a malformed header costs the same time as a wrong token.
    return this.checkToken(m?.[1] ?? '') && m !== null;
  }
}
