/**
 * Logging of connections refused or closed by a limit, at most once per source address and
 * reason per interval (an attacker opening thousands of sockets must not flood the log), with the number of
 * events folded into the next line. The map of sources is capped; the oldest entries go first.
 */
import type { Logger } from '../log/logger.ts';

/** Sources remembered at most. */
const MAX_SOURCES = 1024;

export class ShedLog {
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #sources = new Map<string, { lastMs: number; suppressed: number }>();

  constructor(log: Logger, now: () => number = Date.now, intervalMs = 60_000) {
    this.#log = log;
    this.#now = now;
    this.#intervalMs = intervalMs;
  }

  /** One connection refused or closed by `reason` for `source` (an address key). */
  record(source: string, reason: string, fields: Record<string, unknown> = {}): void {
    const now = this.#now();
    const key = `${source}|${reason}`;
    const s = this.#sources.get(key);
    if (s !== undefined && now - s.lastMs < this.#intervalMs) {
      s.suppressed++;
      return;
    }
    const suppressed = s?.suppressed ?? 0;
    this.#sources.delete(key);
    if (this.#sources.size >= MAX_SOURCES) this.#sources.delete(this.#sources.keys().next().value!);
    this.#sources.set(key, { lastMs: now, suppressed: 0 });
    this.#log.warn('connection shed by a limit', { source, reason, ...fields, ...(suppressed > 0 ? { sameSourceSinceLastLog: suppressed } : {}) });
  }
}
