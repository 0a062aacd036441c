/**
 * Who may open a WHEP session of a factory: the same rule as RTSP reading of that factory (its
 * `factories.<f>.auth.read` credentials, here as HTTP Basic) plus the API token (`Authorization:
 * Bearer`, or `?token=` for players that cannot set headers). Nothing configured: anyone may read,
 * as with RTSP. Secrets are compared as digests in constant time and never logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { decodeBasicToken } from '../../protocols/rtsp/auth/basic.ts';
import { TokenAuth } from '../api/auth.ts';
import type { FactoryName } from '../streams/types.ts';

export interface WhepAuthOptions {
  readonly apiToken?: string;
  readonly readCredentials: Partial<Record<FactoryName, { readonly user: string; readonly pass: string }>>;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class WhepAuth {
  readonly #token: TokenAuth;
  readonly #creds: Partial<Record<FactoryName, Buffer>>;

  constructor(o: WhepAuthOptions) {
    this.#token = new TokenAuth(o.apiToken);
    this.#creds = {};
    for (const f of ['raw', 'compressed'] as const) {
      const c = o.readCredentials[f];
      if (c !== undefined) this.#creds[f] = digest(`${c.user}:${c.pass}`);
    }
  }

  /** Whether reading `factory` needs credentials at all. */
  required(factory: FactoryName): boolean {
    return this.#token.enabled || this.#creds[factory] !== undefined;
  }

  /** The challenge to send with a 401 (both schemes this factory accepts). */
  challenge(factory: FactoryName): string {
    const schemes: string[] = [];
    if (this.#creds[factory] !== undefined) schemes.push('Basic realm="cupola"');
    if (this.#token.enabled) schemes.push('Bearer realm="cupola"');
    return schemes.join(', ');
  }

  allows(factory: FactoryName, authorization: string, query: URLSearchParams): boolean {
    if (!this.required(factory)) return true;
    if (this.#token.enabled) {
      if (/^bearer\s/i.test(authorization) && this.#token.checkHeader(authorization)) return true;
      const q = query.get('token');
      if (q !== null && this.#token.checkToken(q)) return true;
    }
    const expected = this.#creds[factory];
    const m = /^basic\s+(\S+)\s*$/i.exec(authorization);
    if (expected !== undefined && m !== null) {
      const c = decodeBasicToken(m[1]!);
      if (c !== null) return timingSafeEqual(digest(`${c.username}:${c.password}`), expected);
    }
    return false;
  }
}
