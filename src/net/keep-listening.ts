/**
 * One listener of a node kept bound: the first bind is awaited at start-up; when it fails (the port
 * is taken, the address is not there yet), the node starts anyway and the bind is retried with the
 * reconnects' capped exponential backoff (RECONNECT_BACKOFF) until it succeeds or the node closes. A listener that
 * cannot bind never takes the others down; readiness reports it (`down`).
 */
import type { Logger } from '../log/logger.ts';
import { backoffDelayMs, type BackoffSchedule } from '../../protocols/backoff.ts';

export interface Closable {
  close(): Promise<void>;
}

export interface KeepListeningOptions<T> {
  /** Name in logs and readiness (`rtmp`, `rtsp-raw`, `rtsp-compressed`, `api`). */
  readonly name: string;
  /** Where it binds, for messages (`127.0.0.1:1935`). */
  readonly address: string;
  readonly backoff: BackoffSchedule;
  readonly log: Logger;
  /** The listener bound after one or more failures (not called for a first-try bind). */
  readonly onUp?: (listener: T) => void;
  readonly random?: () => number;
}

export interface KeptListener<T> {
  readonly name: string;
  /** The bound listener; null while it cannot bind. */
  readonly current: T | null;
  /** Why the last bind failed, with the time of the next try; null while bound. */
  readonly down: string | null;
  /** Failed binds since the last success. */
  readonly failures: number;
  close(): Promise<void>;
}

export async function keepListening<T extends Closable>(bind: () => Promise<T>, o: KeepListeningOptions<T>): Promise<KeptListener<T>> {
  const random = o.random ?? Math.random;
  let current: T | null = null;
  let down: string | null = null;
  let failures = 0;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let attempt: Promise<void> = Promise.resolve();

  const tryBind = async (): Promise<void> => {
    try {
      const listener = await bind();
      if (closed) {
        await listener.close();
        return;
      }
      current = listener;
      down = null;
      if (failures > 0) {
        o.log.info('listener bound', { listener: o.name, address: o.address, failedAttempts: failures });
        failures = 0;
        o.onUp?.(listener);
      }
    } catch (err) {
      if (closed) return;
      failures++;
      const delayMs = backoffDelayMs(failures - 1, o.backoff, random);
      const reason = (err as Error).message;
      down = `${reason}; retrying in ${delayMs} ms`;
      // Every failure is logged: the delay caps the rate (backoff.maxMs).
      o.log.error('listener cannot bind; the other listeners keep serving', { listener: o.name, address: o.address, err: reason, attempt: failures, retryInMs: delayMs });
      timer = setTimeout(() => {
        timer = null;
        attempt = tryBind();
      }, delayMs);
    }
  };

  attempt = tryBind();
  await attempt;
  return {
    name: o.name,
    get current() {
      return current;
    },
    get down() {
      return down;
    },
    get failures() {
      return failures;
    },
    async close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await attempt;
      const l = current;
      current = null;
      await l?.close();
    },
  };
}

/** Readiness of a node's listeners: ok while all are bound, else an error naming each one down. */
export function listenersReadiness(listeners: () => readonly KeptListener<unknown>[]): () => boolean {
  return () => {
    const down = listeners().filter((l) => l.down !== null);
    if (down.length > 0) throw new Error(`down: ${down.map((l) => `${l.name} (${l.down!})`).join(', ')}`);
    return true;
  };
}

/** Every kept listener of a node: binds each with keepListening, reports those down. */
export class KeptListeners {
  readonly #kept: KeptListener<unknown>[] = [];
  readonly #onUp: (() => void)[] = [];
  readonly #backoff: BackoffSchedule;
  readonly #log: Logger;
  readonly #onClose: (close: () => Promise<void>) => void;

  /** `onClose` registers each listener's close with the node's shutdown. */
  constructor(o: { readonly backoff: BackoffSchedule; readonly log: Logger; readonly onClose: (close: () => Promise<void>) => void }) {
    this.#backoff = o.backoff;
    this.#log = o.log;
    this.#onClose = o.onClose;
  }

  async keep<T extends { port: number; close(): Promise<void> }>(name: string, host: string, port: number, bind: () => Promise<T>): Promise<KeptListener<T>> {
    const k = await keepListening(bind, {
      name,
      address: `${host}:${port}`,
      backoff: this.#backoff,
      log: this.#log,
      onUp: () => this.#onUp.forEach((f) => f()),
    });
    this.#kept.push(k);
    this.#onClose(() => k.close());
    return k;
  }

  /** Runs `f`, in order with the others, once a listener that failed to bind is up (for port 0, its port is known only then). */
  whenUp(f: () => void): void {
    this.#onUp.push(f);
  }

  /** Names of the listeners that could not bind (yet). */
  down(): string[] {
    return this.#kept.filter((k) => k.down !== null).map((k) => k.name);
  }

  /** The readiness check of all of them. */
  readiness(): () => boolean {
    return listenersReadiness(() => this.#kept);
  }
}

/** A kept listener's bound port; while down, the configured one (null for port 0: not known yet). */
export function portOf(k: KeptListener<{ port: number }>, configured: number): number | null {
  return k.current?.port ?? (configured === 0 ? null : configured);
}
