/**
 * Who may read HLS: the same rule as RTSP reading, through the node's access check (IP lists,
 * `auth.method` http/jwt) when it has one. A factory without read credentials is open;
 * one with them takes those credentials (HTTP Basic, or `?user=&pass=` as RTMP play does) or the
 * API token (Bearer, or `?token=` for players that cannot set headers). Compared in constant time.
 */
import type { AccessControl } from '../access/access-control.ts';
import { apiAccessRequest } from '../api/api-access.ts';
import { TokenAuth } from '../api/auth.ts';
import { errorReply, type GuardClient, type Reply } from '../api/http.ts';
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

/**
 * The guard of the /hls routes: the node's access check (action `read`, protocol `http`, the
 * camera's path), with HlsReadAuth as the internal check. Refusals carry the CORS headers too, so
 * another web app can tell a 401 from a network error.
 */
export function hlsGuard(
  auth: HlsReadAuth,
  access: AccessControl | undefined,
  corsHeaders: Readonly<Record<string, string>>,
): (authorization: string, query: URLSearchParams, client: GuardClient) => Reply | null | Promise<Reply | null> {
  const refuse = (status: 401 | 403, message: string): Reply => ({
    ...errorReply(status, message),
    headers: { ...corsHeaders, ...(status === 401 ? { 'www-authenticate': 'Basic realm="cupola"' } : {}) },
  });
  const UNAUTHORIZED_MESSAGE = 'this factory needs read credentials (Basic, ?user=&pass=) or the API token (Bearer, ?token=)';
  return (authorization, query, client) => {
    // /hls/<factory>/<site>/<camera>/<file>; anything else is left to the handler (404).
    const m = /^\/hls\/(raw|compressed)\/([^/]+)\/([^/]+)\/[^/]+$/.exec(client.url);
    if (m === null) return null;
    const factory = m[1] as FactoryName;
    const internal = (): boolean => auth.allows(factory, authorization, query);
    if (access === undefined || !access.isAsync('read')) return internal() ? null : refuse(401, UNAUTHORIZED_MESSAGE);
    const req = apiAccessRequest('http', authorization, client, query.get('token') ?? undefined);
    const user = req.user ?? query.get('user') ?? undefined;
    const password = req.password ?? query.get('pass') ?? undefined;
    return access
      .authorize(
        { ...req, action: 'read', path: `${m[2]}/${m[3]}`, ...(user !== undefined ? { user } : {}), ...(password !== undefined ? { password } : {}), query: query.toString() },
        internal,
      )
      .then((v) => (v.allowed ? null : v.reason === 'credentials' ? refuse(401, v.message) : refuse(403, v.message)));
  };
}
