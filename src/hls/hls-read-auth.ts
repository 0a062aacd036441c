/**
 * Who may read HLS: the same rule as RTSP reading. A factory without read credentials is open;
 * one with them takes those credentials (HTTP Basic, or `?user=&pass=` as RTMP play does) or the
 * API token (Bearer, or `?token=` for players that cannot set headers). Compared in constant time.
 */
import { TokenAuth } from '../api/auth.ts';
import type { FactoryName } from '../streams/types.ts';

export interface ReadCredentials {
  readonly user: string;
  readonly pass: string;
}

/** The query parameters carrying credentials, copied onto the URIs of a playlist. */
export const AUTH_QUERY_KEYS = ['token', 'user', 'pass'] as const;

export class HlsReadAuth {
  readonly #reads: Partial<Record<FactoryName, TokenAuth>>;
  readonly #token: TokenAuth;

  constructor(reads: Partial<Record<FactoryName, ReadCredentials | undefined>>, apiToken: string | undefined) {
    this.#reads = {};
    for (const f of ['raw', 'compressed'] as const) {
      const c = reads[f];
      if (c !== undefined) this.#reads[f] = new TokenAuth(`${c.user}:${c.pass}`);
    }
    this.#token = new TokenAuth(apiToken);
  }

  allows(factory: FactoryName, authorization: string, query: URLSearchParams): boolean {
    const read = this.#reads[factory];
    if (read === undefined) return true;
    if (this.#token.enabled) {
      const token = query.get('token');
      if (token !== null && this.#token.checkToken(token)) return true;
      if (/^bearer\s/i.test(authorization) && this.#token.checkHeader(authorization)) return true;
    }
    const basic = /^basic\s+(\S+)\s*$/i.exec(authorization);
    if (basic !== null) return read.checkToken(Buffer.from(basic[1]!, 'base64').toString('utf8'));
    const user = query.get('user');
    const pass = query.get('pass');
    return user !== null && pass !== null && read.checkToken(`${user}:${pass}`);
  }
}

/** `token=...&user=...` of the request, for the playlist's URIs; empty when none. */
export function authQuery(query: URLSearchParams): string {
  const out = new URLSearchParams();
  for (const k of AUTH_QUERY_KEYS) {
    const v = query.get(k);
    if (v !== null) out.set(k, v);
  }
  return out.toString();
}
