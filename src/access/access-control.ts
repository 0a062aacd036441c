/**
 * The node's one access check (issue 14): IP allow/deny lists per action, then the method of
 * `auth.method`. `internal` is today's checks, which live with each protocol (publish keys in the
 * registry's authorizer, RTMP `?user=&pass=`, RTSP Basic/Digest, the API token): the caller passes
 * its check in. `http` and `jwt` ask the backend. Protocols call `authorize` at their existing auth
 * point and turn a denial into their own refusal; `isAsync(action)` tells them when they can keep
 * their synchronous path (method internal and no IP list for that action).
 */
import type { Logger } from '../log/logger.ts';
import { deny, type AccessAction, type AccessBackend, type AccessRequest, type AccessVerdict } from './access-request.ts';
import { HttpAuthorizer } from './http-authorizer.ts';
import { IpRules } from './ip-rules.ts';
import { JwtAuthorizer } from './jwt/jwt-authorizer.ts';
import type { AuthSettings } from '../config/settings.ts';
import { sameSecret } from '../config/publish-policy.ts';

export type AuthMethod = 'internal' | 'http' | 'jwt';

/** A protocol's own (internal) check; true = allowed. */
export type InternalCheck = () => AccessVerdict | boolean;

export class AccessControl {
  readonly method: AuthMethod;
  readonly #ip: IpRules;
  readonly #backend: AccessBackend | null;
  readonly #log: Logger;
  #trusted: { readonly user: string; readonly pass: string } | undefined;

  constructor(method: AuthMethod, ip: IpRules, backend: AccessBackend | null, log: Logger) {
    if (method !== 'internal' && backend === null) throw new Error(`auth.method ${method} needs its backend`);
    this.method = method;
    this.#ip = ip;
    this.#backend = backend;
    this.#log = log;
  }

  /** Only the internal checks, no lists (tests, and nodes without an auth section). */
  static internal(log: Logger): AccessControl {
    return new AccessControl('internal', new IpRules(), null, log);
  }

  get external(): boolean {
    return this.method !== 'internal';
  }

  /** Whether `authorize` has anything to wait for or check beyond the protocol's own check. */
  isAsync(action: AccessAction): boolean {
    return this.external || this.#ip.has(action);
  }

  /** Refuses a listed IP at once; the protocol's synchronous fast path (no promise). */
  refuseIp(req: Pick<AccessRequest, 'action' | 'ip' | 'protocol' | 'path'>): AccessVerdict | null {
    const refused = this.#ip.refuse(req.action, req.ip);
    if (refused === null) return null;
    this.#log.info('access refused by IP list', { action: req.action, protocol: req.protocol, path: req.path, ip: req.ip });
    return deny('ip', refused);
  }

  /**
   * The credential this node's own readers (in-process compression input, dashboard thumbnails)
   * use on its listeners with an external method: a random secret made at start-up, accepted for
   * `read` without asking the backend or the IP lists (those readers connect from this machine).
   */
  trustReader(credential: { readonly user: string; readonly pass: string }): void {
    this.#trusted = credential;
  }

  /** The verdict for one request. Never rejects: a failing backend is a denial (fail closed). */
  async authorize(req: AccessRequest, internal?: InternalCheck): Promise<AccessVerdict> {
    const t = this.#trusted;
    if (t !== undefined && req.action === 'read' && req.user !== undefined && req.password !== undefined && sameSecret(req.user, t.user) && sameSecret(req.password, t.pass)) return { allowed: true, user: t.user };
    const byIp = this.refuseIp(req);
    if (byIp !== null) return byIp;
    if (this.#backend === null) {
      const r = internal?.() ?? true;
      return typeof r === 'boolean' ? (r ? { allowed: true } : deny('credentials', 'missing or wrong credentials')) : r;
    }
    try {
      return await this.#backend.authorize(req);
    } catch (err) {
      this.#log.error('access check failed: refused', { action: req.action, protocol: req.protocol, path: req.path, err: (err as Error).message });
      return deny('unavailable', 'the access check failed');
    }
  }
}

/** Builds the node's AccessControl from `auth` settings. */
export function accessControlFromSettings(auth: AuthSettings, log: Logger): AccessControl {
  const ip = new IpRules(auth.ipAllow, auth.ipDeny);
  const alog = log.child({ component: 'auth' });
  switch (auth.method) {
    case 'internal':
      return new AccessControl('internal', ip, null, alog);
    case 'http':
      return new AccessControl('http', ip, new HttpAuthorizer({ url: auth.http.url!, timeoutMs: auth.http.timeoutMs, cacheMs: auth.http.cacheMs, cacheMaxEntries: auth.http.cacheMaxEntries }, alog), alog);
    case 'jwt': {
      const j = auth.jwt;
      return new AccessControl(
        'jwt',
        ip,
        new JwtAuthorizer(
          {
            ...(j.jwksUrl !== undefined ? { jwksUrl: j.jwksUrl } : {}),
            ...(j.key !== undefined ? { key: j.key } : {}),
            ...(j.secret !== undefined ? { secret: j.secret } : {}),
            ...(j.issuer !== undefined ? { issuer: j.issuer } : {}),
            ...(j.audience !== undefined ? { audience: j.audience } : {}),
            claim: j.claim,
            clockSkewSec: j.clockSkewSec,
            jwksTimeoutMs: j.jwksTimeoutMs,
            jwksMaxAgeMs: j.jwksMaxAgeMs,
            jwksMinRefreshMs: j.jwksMinRefreshMs,
          },
          alog,
        ),
        alog,
      );
    }
  }
}
