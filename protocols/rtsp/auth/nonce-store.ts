/**
 * The Digest nonces a server has handed out (RFC 7616 §3.3, §5.4-5.5). Each nonce is bound to the
 * connection whose request got the challenge, lives for a fixed time from its issue, and remembers the
 * highest nonce-count (nc) accepted with it, so that a captured Authorization header cannot be replayed
 * on another connection, after the lifetime, or (with qop=auth) twice.
 *
 * Pure: time and randomness come in. Memory is fixed: at most `maxNonces` outstanding (the oldest is
 * forgotten first, which to its client looks like an expired nonce: 401 with stale=true, and it
 * retries) and `maxNoncesPerConnection` per connection, so one peer asking for challenges in a loop
 * only pushes out its own nonces.
 */

/** A nonce is accepted for this long after its challenge. */
export const DEFAULT_NONCE_LIFETIME_MS = 60_000;
/** Nonces outstanding at once per authenticator (about 150 bytes each). */
export const MAX_NONCES = 4096;
/** Nonces outstanding per connection; a client needs one, a second covers a re-challenge. */
export const MAX_NONCES_PER_CONNECTION = 4;

export interface NonceStoreOptions {
  readonly now: () => number;
  /** Fresh unpredictable nonce (e.g. 16 random bytes as hex). */
  readonly newNonce: () => string;
  /** Defaults to DEFAULT_NONCE_LIFETIME_MS (60 s). */
  readonly lifetimeMs?: number;
  /** Defaults to MAX_NONCES. */
  readonly maxNonces?: number;
  /** Defaults to MAX_NONCES_PER_CONNECTION. */
  readonly maxNoncesPerConnection?: number;
}

/** Why a nonce cannot be used; every reason but `nc-replayed` is answered with stale=true. */
export type NonceRejection = 'unknown' | 'expired' | 'other-connection' | 'nc-replayed';

interface NonceRecord {
  readonly connectionId: string;
  readonly issuedMs: number;
  /** Highest nc accepted (0 = none yet). */
  highestNc: number;
}

export class NonceStore {
  readonly #now: () => number;
  readonly #newNonce: () => string;
  readonly lifetimeMs: number;
  readonly #max: number;
  readonly #maxPerConnection: number;
  /** In issue order (oldest first), so expiry and eviction take from the front. */
  readonly #nonces = new Map<string, NonceRecord>();
  readonly #byConnection = new Map<string, string[]>();

  constructor(options: NonceStoreOptions) {
    this.#now = options.now;
    this.#newNonce = options.newNonce;
    this.lifetimeMs = options.lifetimeMs ?? DEFAULT_NONCE_LIFETIME_MS;
    this.#max = options.maxNonces ?? MAX_NONCES;
    this.#maxPerConnection = options.maxNoncesPerConnection ?? MAX_NONCES_PER_CONNECTION;
  }

  get size(): number {
    return this.#nonces.size;
  }

  /** A new nonce for a challenge sent on `connectionId`. */
  issue(connectionId: string): string {
    const nowMs = this.#now();
    this.#pruneExpired(nowMs);
    const mine = this.#byConnection.get(connectionId) ?? [];
    while (mine.length >= this.#maxPerConnection) this.#forget(mine[0]!);
    while (this.#nonces.size >= this.#max) this.#forget(this.#nonces.keys().next().value!);
    const nonce = this.#newNonce();
    // A repeat from the random source starts that nonce over (bound to the new connection).
    this.#forget(nonce);
    this.#nonces.set(nonce, { connectionId, issuedMs: nowMs, highestNc: 0 });
    const list = this.#byConnection.get(connectionId);
    if (list === undefined) this.#byConnection.set(connectionId, [nonce]);
    else list.push(nonce);
    return nonce;
  }

  /** Whether `nonce` may authenticate a request on `connectionId`, with `nc` when qop is used. */
  check(nonce: string, connectionId: string, nc: number | undefined): NonceRejection | null {
    const r = this.#nonces.get(nonce);
    if (r === undefined) return 'unknown';
    if (this.#now() - r.issuedMs >= this.lifetimeMs) return 'expired';
    if (r.connectionId !== connectionId) return 'other-connection';
    if (nc !== undefined && nc <= r.highestNc) return 'nc-replayed';
    return null;
  }

  /** Records an accepted request's nc (only after its response was verified). */
  accept(nonce: string, nc: number | undefined): void {
    const r = this.#nonces.get(nonce);
    if (r !== undefined && nc !== undefined && nc > r.highestNc) r.highestNc = nc;
  }

  /** The connection closed: its nonces can never be used again. */
  connectionClosed(connectionId: string): void {
    for (const n of this.#byConnection.get(connectionId) ?? []) this.#nonces.delete(n);
    this.#byConnection.delete(connectionId);
  }

  #pruneExpired(nowMs: number): void {
    for (const [nonce, r] of this.#nonces) {
      if (nowMs - r.issuedMs < this.lifetimeMs) break;
      this.#forget(nonce);
    }
  }

  #forget(nonce: string): void {
    const r = this.#nonces.get(nonce);
    if (r === undefined) return;
    this.#nonces.delete(nonce);
    const list = this.#byConnection.get(r.connectionId);
    if (list === undefined) return;
    const i = list.indexOf(nonce);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.#byConnection.delete(r.connectionId);
  }
}
