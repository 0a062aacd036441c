/**
 * The node's budget for output waiting in readers' sockets (their write queues plus the kernel's
 * unsent buffer as Node reports it), across all readers of all streams. Each ReaderQueue reports
 * its backlog whenever it is offered a unit; while the total is over the budget, readers holding
 * more than an equal share of it drop frames to the next keyframe (the largest backlogs first,
 * since only those are over the share), and one that keeps dropping is evicted by its own
 * queue's maxDroppingMs rule. Readers keeping up are not touched.
 */
export class OutputBudget {
  readonly maxBytes: number;
  #total = 0;
  #readers = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** Backlog of all readers, as last reported. */
  get totalBytes(): number {
    return this.#total;
  }

  get readers(): number {
    return this.#readers;
  }

  /** A reader's backlog changed by `delta` bytes. */
  adjust(delta: number): void {
    this.#total += delta;
  }

  join(): void {
    this.#readers++;
  }

  leave(lastReported: number): void {
    this.#readers = Math.max(0, this.#readers - 1);
    this.#total -= lastReported;
  }

  /** Whether a reader with this backlog must drop: the total is over and it holds more than its share. */
  overShare(pendingBytes: number): boolean {
    return this.#total > this.maxBytes && pendingBytes > this.maxBytes / Math.max(1, this.#readers);
  }
}
