/**
 * `auth.method: jwt`: the token (bearer header, `?token=`, or the password field) must be a JWS
 * signed by a key of the JWKS URL or the static key, not expired (`exp`, `nbf` with a small clock
 * skew; `iss`/`aud` when configured), and its permissions claim must name the action and a matching
 * path:
 *
 *   "cupola_permissions": [{ "action": "publish", "path": "site1/*" }, { "action": "read" }, { "action": "api" }]
 *
 * An entry without `path` allows the action on every path. A valid token without the permission is
 * `forbidden` (403); a missing, malformed, badly signed or expired token is `credentials` (401).
 */
import type { Logger } from '../../log/logger.ts';
import { allow, deny, type AccessBackend, type AccessRequest, type AccessVerdict } from '../access-request.ts';
import { JwksCache } from './jwks-cache.ts';
import { decodeJws, JwtError, keyFromPem, verifySignature, type VerifyKey } from './jws-verify.ts';
import { pathMatches } from './path-pattern.ts';

export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const;
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
/** Permissions read from one token at most. */
const MAX_PERMISSIONS = 256;

export interface JwtAuthorizerOptions {
  readonly jwksUrl?: string;
  /** PEM public key (RSA or EC). */
  readonly key?: string;
  /** HMAC secret (HS256/384/512). */
  readonly secret?: string;
  /** Claim holding the permissions. */
  readonly claim: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** Tolerance on exp/nbf (s). */
  readonly clockSkewSec: number;
  /** JWKS fetch timeout, max age and minimum interval between kid-miss refreshes (ms). */
  readonly jwksTimeoutMs: number;
  readonly jwksMaxAgeMs: number;
  readonly jwksMinRefreshMs: number;
  readonly now?: () => number;
}

interface Permission {
  readonly action: string;
  readonly path?: string;
}

export class JwtAuthorizer implements AccessBackend {
  readonly #options: JwtAuthorizerOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #static: VerifyKey[] = [];
  readonly #jwks: JwksCache | null;
  readonly #algorithms: string[];

  constructor(options: JwtAuthorizerOptions, log: Logger) {
    this.#options = options;
    this.#log = log;
    this.#now = options.now ?? Date.now;
    if (options.key !== undefined) this.#static.push(keyFromPem(options.key));
    if (options.secret !== undefined) this.#static.push({ kind: 'secret', secret: Buffer.from(options.secret, 'utf8') });
    this.#algorithms = [...ASYMMETRIC_ALGORITHMS, ...(options.secret !== undefined ? HMAC_ALGORITHMS : [])];
    this.#jwks =
      options.jwksUrl === undefined
        ? null
        : new JwksCache({ url: options.jwksUrl, timeoutMs: options.jwksTimeoutMs, maxAgeMs: options.jwksMaxAgeMs, minRefreshMs: options.jwksMinRefreshMs, ...(options.now ? { now: options.now } : {}) }, log);
  }

  /** JWKS documents fetched so far (tests). */
  get jwksFetches(): number {
    return this.#jwks?.fetches ?? 0;
  }

  async authorize(req: AccessRequest): Promise<AccessVerdict> {
    const token = req.token ?? req.password;
    if (token === undefined || token === '') return deny('credentials', 'no token (bearer header, ?token= or the password)');
    let claims: Record<string, unknown>;
    try {
      claims = await this.#verify(token);
    } catch (err) {
      if (!(err instanceof JwtError)) throw err;
      this.#log.info('JWT refused', { action: req.action, protocol: req.protocol, path: req.path, ip: req.ip, reason: err.message });
      return deny('credentials', `invalid token: ${err.message}`);
    }
    const sub = typeof claims['sub'] === 'string' ? claims['sub'] : undefined;
    const raw = claims[this.#options.claim];
    const permissions: Permission[] = Array.isArray(raw)
      ? raw.slice(0, MAX_PERMISSIONS).filter((p): p is Permission => typeof p === 'object' && p !== null && typeof (p as Permission).action === 'string' && ((p as Permission).path === undefined || typeof (p as Permission).path === 'string'))
      : [];
    if (permissions.some((p) => p.action === req.action && (p.path === undefined || pathMatches(p.path, req.path)))) return allow(sub);
    this.#log.info('JWT lacks the permission', { action: req.action, protocol: req.protocol, path: req.path, ip: req.ip, sub });
    return deny('forbidden', `the token does not allow ${req.action} on "${req.path}" (claim ${this.#options.claim})`);
  }

  async #verify(token: string): Promise<Record<string, unknown>> {
    const jws = decodeJws(token);
    const candidates = [...this.#static, ...(this.#jwks === null ? [] : await this.#jwks.keysFor(jws.header.kid))];
    if (candidates.length === 0) throw new JwtError(jws.header.kid === undefined ? 'no key to check it with' : `unknown kid "${jws.header.kid}"`);
    let last: JwtError | undefined;
    let verified = false;
    for (const key of candidates) {
      try {
        verifySignature(jws, key, this.#algorithms);
        verified = true;
        break;
      } catch (err) {
        if (!(err instanceof JwtError)) throw err;
        last = err;
      }
    }
    if (!verified) throw last ?? new JwtError('bad signature');
    this.#checkClaims(jws.payload);
    return jws.payload;
  }

  #checkClaims(c: Record<string, unknown>): void {
    const now = this.#now() / 1000;
    const skew = this.#options.clockSkewSec;
    const num = (name: string): number | undefined => {
      const v = c[name];
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new JwtError(`${name} is not a number`);
      return v;
    };
    const exp = num('exp');
    const nbf = num('nbf');
    if (exp !== undefined && now > exp + skew) throw new JwtError('expired');
    if (nbf !== undefined && now < nbf - skew) throw new JwtError('not valid yet (nbf)');
    if (this.#options.issuer !== undefined && c['iss'] !== this.#options.issuer) throw new JwtError('wrong issuer');
    const aud = this.#options.audience;
    if (aud !== undefined) {
      const given = c['aud'];
      if (!(given === aud || (Array.isArray(given) && given.includes(aud)))) throw new JwtError('wrong audience');
    }
  }
}
