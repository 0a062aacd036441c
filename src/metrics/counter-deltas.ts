/**
 * Turns cumulative counts owned by someone else (a Stream's stats, ffmpeg's progress) into increments
 * of process-lifetime Prometheus counters. A source that restarts from zero (a new Stream object on
 * the same path, a restarted ffmpeg) is detected by its identity or by a value going down.
 */
export class CounterDeltas<K extends string> {
  #last = new Map<string, { source: unknown; values: Record<K, number> }>();

  /**
   * Returns how much each count grew since the previous call for `key`.
   * @param source identity of the thing counting (object or run id); a new one restarts from zero.
   */
  delta(key: string, source: unknown, values: Readonly<Record<K, number>>): Record<K, number> {
    const prev = this.#last.get(key);
    const out = {} as Record<K, number>;
    for (const k of Object.keys(values) as K[]) {
      const now = values[k];
      const before = prev !== undefined && prev.source === source ? prev.values[k] : 0;
      // A value that went down means the source restarted without changing identity.
      out[k] = now >= before ? now - before : now;
    }
    this.#last.set(key, { source, values: { ...values } });
    return out;
  }

  forget(key: string): void {
    this.#last.delete(key);
  }

  keys(): IterableIterator<string> {
    return this.#last.keys();
  }
}
