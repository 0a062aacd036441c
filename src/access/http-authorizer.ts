/**
 * `auth.method: http`: POSTs `{user, password, token, ip, action, protocol, path, query}` as JSON to
 * the operator's auth service and allows on any 2xx. A 401 or 403 (or any other status) denies; a
 * timeout, a network error or a 5xx denies too (fail closed) and is logged as the service being
 * unavailable. Verdicts (allow and deny, not failures) are cached for `cacheMs` keyed by a hash of
 * the whole request tuple, and identical requests in flight share one POST. The password is never
 * logged.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../log/logger.ts';
import { allow, deny, type AccessBackend, type AccessRequest, type AccessVerdict } from './access-request.ts';
import { TtlCache } from './ttl-cache.ts';

export interface HttpAuthorizerOptions {
  readonly url: string;
  /** A call that takes longer is a refusal. */
  readonly timeoutMs: number;
  /** How long a verdict is reused; 0 disables the cache. */
  readonly cacheMs: number;
  /** Verdicts kept at most. */
  readonly cacheMaxEntries: number;
  readonly now?: () => number;
}

/** Bytes of the service's answer body read at most (it is not used; reading frees the socket). */
const MAX_ANSWER_BYTES = 64 * 1024;

export class HttpAuthorizer implements AccessBackend {
  readonly #options: HttpAuthorizerOptions;
  readonly #log: Logger;
  readonly #cache: TtlCache<AccessVerdict>;
  readonly #inFlight = new Map<string, Promise<AccessVerdict>>();
  /** POSTs sent (tests check the cache with it). */
  requests = 0;

  constructor(options: HttpAuthorizerOptions, log: Logger) {
    this.#options = options;
    this.#log = log;
    this.#cache = new TtlCache(options.cacheMs, options.cacheMaxEntries, options.now);
  }

  authorize(req: AccessRequest): Promise<AccessVerdict> {
    const body = JSON.stringify({
      user: req.user ?? '',
      password: req.password ?? '',
      token: req.token ?? '',
      ip: req.ip,
      action: req.action,
      protocol: req.protocol,
      path: req.path,
      query: req.query ?? '',
    });
    const key = createHash('sha256').update(body).digest('base64');
    const cached = this.#cache.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending;
    const call = this.#post(body, req).then((result) => {
      this.#inFlight.delete(key);
      if (result.cache) this.#cache.set(key, result.verdict);
      return result.verdict;
    });
    // Bounded by the requests in progress, each bounded by timeoutMs.
    this.#inFlight.set(key, call);
    return call;
  }

  async #post(body: string, req: AccessRequest): Promise<{ verdict: AccessVerdict; cache: boolean }> {
    this.requests++;
    const what = { action: req.action, protocol: req.protocol, path: req.path, user: req.user ?? '', ip: req.ip };
    let res: Response;
    try {
      res = await fetch(this.#options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
    } catch (err) {
      const e = err as Error;
      const reason = e.name === 'TimeoutError' ? `no answer within ${this.#options.timeoutMs} ms` : `${e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ''}`;
      this.#log.warn('auth service unavailable: access refused', { ...what, url: this.#options.url, reason });
      return { verdict: deny('unavailable', `the auth service is unavailable (${reason})`), cache: false };
    }
    await drain(res);
    if (res.status >= 200 && res.status < 300) return { verdict: allow(req.user), cache: true };
    if (res.status >= 500) {
      this.#log.warn('auth service failed: access refused', { ...what, url: this.#options.url, status: res.status });
      return { verdict: deny('unavailable', `the auth service answered ${res.status}`), cache: false };
    }
    this.#log.info('auth service refused access', { ...what, status: res.status });
    const reason = res.status === 403 ? 'forbidden' : 'credentials';
    return { verdict: deny(reason, `refused by the auth service (${res.status})`), cache: true };
  }
}

async function drain(res: Response): Promise<void> {
  const reader = res.body?.getReader();
  if (reader === undefined) return;
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      size += value.byteLength;
      if (size > MAX_ANSWER_BYTES) return void (await reader.cancel());
    }
  } catch {
    // The verdict is the status; a broken body does not change it.
  }
}
