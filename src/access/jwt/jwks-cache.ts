/**
 * The keys of a JWKS URL (RFC 7517 §5): fetched on first use, kept for `maxAgeMs`, fetched again
 * when a token names a kid we do not have (at most once per `minRefreshMs`, so a flood of made-up
 * kids costs one request), with a timeout and a bounded answer size. A failed refresh keeps the
 * keys we had.
 */
import type { Logger } from '../../log/logger.ts';
import { JwtError, keyFromJwk, type VerifyKey } from './jws-verify.ts';

/** Largest JWKS document read. */
export const MAX_JWKS_BYTES = 256 * 1024;
/** Keys kept from one JWKS at most. */
export const MAX_JWKS_KEYS = 64;

export interface JwksCacheOptions {
  readonly url: string;
  readonly timeoutMs: number;
  /** Keys are fetched again after this long. */
  readonly maxAgeMs: number;
  /** An unknown kid refreshes at most this often. */
  readonly minRefreshMs: number;
  readonly now?: () => number;
}

export class JwksCache {
  readonly #options: JwksCacheOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  #keys = new Map<string, VerifyKey>();
  /** Keys without a kid, tried in turn for tokens without one. */
  #anonymous: VerifyKey[] = [];
  #fetchedAt = -Infinity;
  #refreshing: Promise<void> | null = null;
  /** Documents fetched (tests). */
  fetches = 0;

  constructor(options: JwksCacheOptions, log: Logger) {
    this.#options = options;
    this.#log = log;
    this.#now = options.now ?? Date.now;
  }

  /** Candidate keys for a token's kid (every key when it has none). */
  async keysFor(kid: string | undefined): Promise<VerifyKey[]> {
    const age = this.#now() - this.#fetchedAt;
    const known = (): VerifyKey[] => (kid === undefined ? [...this.#keys.values(), ...this.#anonymous] : [this.#keys.get(kid)].filter((k): k is VerifyKey => k !== undefined));
    if (age > this.#options.maxAgeMs || (known().length === 0 && age > this.#options.minRefreshMs)) await this.#refresh();
    return known();
  }

  #refresh(): Promise<void> {
    this.#refreshing ??= this.#fetch().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  async #fetch(): Promise<void> {
    this.fetches++;
    this.#fetchedAt = this.#now();
    try {
      const res = await fetch(this.#options.url, { redirect: 'error', signal: AbortSignal.timeout(this.#options.timeoutMs), headers: { accept: 'application/json' } });
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new Error(`answered ${res.status}`);
      }
      const text = await readBounded(res);
      const doc = JSON.parse(text) as { keys?: unknown };
      if (!Array.isArray(doc.keys)) throw new Error('no "keys" array');
      const keys = new Map<string, VerifyKey>();
      const anonymous: VerifyKey[] = [];
      for (const jwk of doc.keys.slice(0, MAX_JWKS_KEYS)) {
        if (typeof jwk !== 'object' || jwk === null) continue;
        const j = jwk as Record<string, unknown>;
        if (j['use'] !== undefined && j['use'] !== 'sig') continue;
        try {
          const key = keyFromJwk(j);
          if (typeof j['kid'] === 'string') keys.set(j['kid'], key);
          else anonymous.push(key);
        } catch (err) {
          this.#log.debug('JWKS key skipped', { kid: j['kid'], err: (err as Error).message });
        }
      }
      this.#keys = keys;
      this.#anonymous = anonymous;
    } catch (err) {
      this.#log.warn('JWKS fetch failed; keeping the keys we had', { url: this.#options.url, err: (err as Error).message });
    }
  }
}

async function readBounded(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_JWKS_BYTES) {
      await reader.cancel();
      throw new JwtError(`JWKS larger than ${MAX_JWKS_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
