/** Per-reader counters of the load generator (bytes, first keyframe, latency samples). */

/** Latency samples kept per reader at most (bounded memory). */
const MAX_SAMPLES = 20_000;

export class ReaderStats {
  bytes = 0;
  /** Bytes at the start of the measuring window. */
  markBytes = 0;
  connectStartUs = 0;
  playingUs = 0;
  firstKeyframeUs = 0;
  closed = false;
  error: string | undefined;
  /** Latency samples (µs) since the window started. */
  latencies: number[] = [];
  measuring = false;

  addLatency(us: number): void {
    if (this.measuring && this.latencies.length < MAX_SAMPLES) this.latencies.push(us);
  }

  mark(): void {
    this.markBytes = this.bytes;
    this.latencies = [];
    this.measuring = true;
  }
}
