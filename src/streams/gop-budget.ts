/**
 * The bytes every GOP cache of a node holds together (the streams' cached frames and the outputs'
 * encoded units), bounded. A cache that would grow past the budget lets its GOP go and starts again
 * at its stream's next keyframe: readers joining it meanwhile wait for that keyframe instead of
 * starting at once, and nothing else changes. One budget per node, shared by both factories.
 */
export class GopBudget {
  readonly maxBytes: number;
  #held = 0;
  #refused = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** Bytes the caches hold now. */
  get heldBytes(): number {
    return this.#held;
  }

  /** GOPs let go because the budget was full. */
  get refusals(): number {
    return this.#refused;
  }

  /** Takes `bytes` for a cache; false (and counted) when that would pass the budget. */
  take(bytes: number): boolean {
    if (this.#held + bytes > this.maxBytes) {
      this.#refused++;
      return false;
    }
    this.#held += bytes;
    return true;
  }

  /** A cache gives back what it took. */
  give(bytes: number): void {
    this.#held = Math.max(0, this.#held - bytes);
  }
}
