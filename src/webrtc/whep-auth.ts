/**
 * Who may open a WHEP session of a factory: the same rule as RTSP reading of that factory (its
 * `factories.<f>.auth.read` credentials, here as HTTP Basic) plus the API token (`Authorization:
 * Bearer`, or `?token=` for players that cannot set headers). Nothing configured: anyone may read,
 * as with RTSP. Secrets are compared as digests in constant time and never logged. With the node's
 * AccessControl (issue 14) the request goes through it as action `read`, like an RTSP DESCRIBE: its
 * IP lists, and with `auth.method` http/jwt its backend instead of the checks above.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { decodeBasicToken } from '../../protocols/rtsp/auth/basic.ts';
import { TokenAuth } from '../api/auth.ts';
import type { FactoryName } from '../streams/types.ts';
import type { AccessControl } from '../access/access-control.ts';
import { normalizeIp, type AccessVerdict } from '../access/access-request.ts';

export interface WhepAuthOptions {
  readonly apiToken?: string;
  readonly readCredentials: Partial<Record<FactoryName, { readonly user: string; readonly pass: string }>>;
  /** The node's access check; unset: the internal checks only. */
  readonly access?: AccessControl;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class WhepAuth {
  readonly #token: TokenAuth;
  readonly #creds: Partial<Record<FactoryName, Buffer>>;
  readonly #access: AccessControl | undefined;

  constructor(o: WhepAuthOptions) {
    this.#access = o.access;
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

  /** The verdict for reading `path` of `factory`: the internal check, or the node's AccessControl (action `read`). */
  authorize(factory: FactoryName, path: string, authorization: string, query: URLSearchParams, ip: string): AccessVerdict | Promise<AccessVerdict> {
    const internal = (): AccessVerdict =>
      this.allows(factory, authorization, query) ? { allowed: true } : { allowed: false, reason: 'credentials', message: `reading factory ${factory} needs its read credentials (HTTP Basic) or the API token` };
    const access = this.#access;
    if (access === undefined || !access.isAsync('read')) return internal();
    const bearer = /^bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
    const basic = /^basic\s+(\S+)\s*$/i.exec(authorization)?.[1];
    const c = basic !== undefined ? decodeBasicToken(basic) : null;
    const token = bearer ?? query.get('token') ?? undefined;
    return access.authorize(
      {
        action: 'read',
        protocol: 'http',
        path,
        ip: normalizeIp(ip),
        ...(c !== null ? { user: c.username, password: c.password } : {}),
        ...(token !== undefined && token !== '' ? { token } : {}),
        query: query.toString(),
      },
      internal,
    );
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
