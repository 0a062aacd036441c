/**
 * Optional webhooks: every event the bus carries is POSTed as JSON to each configured URL, in order,
 * with retries and capped exponential backoff. Each target has a bounded queue (oldest dropped and
 * counted when full), so a dead receiver never grows memory or blocks the publisher. With a `secret`,
 * each attempt is signed (see webhookSignature) so the receiver can check origin and freshness.
 */
import { createHmac } from 'node:crypto';
import type { WebhookSettings } from '../config/settings.ts';
import type { ApiEvent, EventBus } from './events.ts';
import { redactCredentials } from './redact-credentials.ts';
import { silentLogger, type ApiLogger } from '../api/types.ts';

export interface WebhookDispatcherOptions {
  readonly webhooks: readonly WebhookSettings[];
  readonly bus: EventBus;
  /** Events kept per target while it is failing. Defaults to 1000. */
  readonly maxQueue?: number;
  /** First retry delay (ms). Defaults to 500. */
  readonly initialBackoffMs?: number;
  /** Longest retry delay (ms). Defaults to 30000. */
  readonly maxBackoffMs?: number;
  readonly fetch?: typeof fetch;
  readonly log?: ApiLogger;
  /** Jitter source in [0, 1). Defaults to Math.random. */
  readonly random?: () => number;
  /** Clock for the signature timestamp. Defaults to Date.now. */
  readonly now?: () => number;
}

export interface WebhookStats {
  readonly url: string;
  readonly queued: number;
  readonly delivered: number;
  readonly dropped: number;
  readonly failedAttempts: number;
}

/**
 * `X-Cupola-Signature` value: `sha256=` + hex HMAC-SHA256 with the webhook's secret over
 * `<X-Cupola-Timestamp>.<raw body>` (timestamp in Unix seconds), so a captured request cannot be
 * replayed later with a new timestamp. Each attempt is signed with its own timestamp.
 */
export function webhookSignature(secret: string, timestampSec: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSec}.${body}`).digest('hex')}`;
}


class WebhookTarget {
  readonly queue: ApiEvent[] = [];
  delivered = 0;
  dropped = 0;
  failedAttempts = 0;
  #busy = false;
  #closed = false;
  #timer: NodeJS.Timeout | null = null;
  #wake: (() => void) | null = null;
  #abort = new AbortController();

  constructor(
    readonly settings: WebhookSettings,
    private readonly opts: Required<Omit<WebhookDispatcherOptions, 'webhooks' | 'bus'>>,
  ) {}

  enqueue(event: ApiEvent): void {
    if (this.#closed) return;
    if (this.settings.events !== undefined && !this.settings.events.includes(event.type)) return;
    if (this.queue.length >= this.opts.maxQueue) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push(event);
    if (!this.#busy) void this.#drain();
  }

  close(): void {
    this.#closed = true;
    this.#abort.abort();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#wake?.();
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    try {
      while (!this.#closed && this.queue.length > 0) {
        const event = this.queue.shift()!;
        if (await this.#deliver(event)) this.delivered++;
        else if (!this.#closed) this.dropped++;
      }
    } finally {
      this.#busy = false;
    }
  }

  async #deliver(event: ApiEvent): Promise<boolean> {
    // Events carry no publish key (public-camera.ts); URLs in details (ffmpeg's stderr) lose their credentials.
    const body = redactCredentials(JSON.stringify(event));
    for (let attempt = 1; attempt <= this.settings.maxAttempts && !this.#closed; attempt++) {
      let problem: string;
      try {
        const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'cupola' };
        if (this.settings.token !== undefined) headers['authorization'] = `Bearer ${this.settings.token}`;
        if (this.settings.secret !== undefined) {
          const timestampSec = Math.floor(this.opts.now() / 1000);
          headers['x-cupola-timestamp'] = String(timestampSec);
          headers['x-cupola-signature'] = webhookSignature(this.settings.secret, timestampSec, body);
        }
        const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.settings.timeoutMs)]);
        const res = await this.opts.fetch(this.settings.url, { method: 'POST', headers, body, signal });
        await res.body?.cancel().catch(() => undefined);
        if (res.ok) return true;
        problem = `HTTP ${res.status}`;
      } catch (err) {
        problem = (err as Error).message;
      }
      if (this.#closed) return false;
      this.failedAttempts++;
      const last = attempt === this.settings.maxAttempts;
      this.opts.log.warn(last ? 'webhook event dropped after retries' : 'webhook delivery failed, retrying', {
        url: redactCredentials(this.settings.url),
        event: event.type,
        seq: event.seq,
        attempt,
        problem,
      });
      if (!last) await this.#sleep(this.#backoff(attempt));
    }
    return false;
  }

  #backoff(attempt: number): number {
    const base = Math.min(this.opts.maxBackoffMs, this.opts.initialBackoffMs * 2 ** (attempt - 1));
    return Math.round(base * (0.8 + 0.4 * this.opts.random()));
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(resolve, ms);
      this.#timer.unref();
    });
  }
}

export class WebhookDispatcher {
  #targets: WebhookTarget[];
  #unsubscribe: () => void;

  constructor(options: WebhookDispatcherOptions) {
    const opts = {
      maxQueue: options.maxQueue ?? 1000,
      initialBackoffMs: options.initialBackoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
      fetch: options.fetch ?? globalThis.fetch,
      log: options.log ?? silentLogger,
      random: options.random ?? Math.random,
      now: options.now ?? Date.now,
    };
    this.#targets = options.webhooks.map((w) => new WebhookTarget(w, opts));
    this.#unsubscribe = options.bus.subscribe((ev) => {
      for (const t of this.#targets) t.enqueue(ev);
    });
  }

  stats(): WebhookStats[] {
    return this.#targets.map((t) => ({
      url: redactCredentials(t.settings.url),
      queued: t.queue.length,
      delivered: t.delivered,
      dropped: t.dropped,
      failedAttempts: t.failedAttempts,
    }));
  }

  /** Stops delivery; queued events are discarded. */
  close(): void {
    this.#unsubscribe();
    for (const t of this.#targets) t.close();
  }
}
