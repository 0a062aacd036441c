/**
 * Acknowledgement bookkeeping (RTMP spec §5.4.3): after the peer announces its Window
 * Acknowledgement Size, acknowledge every time that many more bytes have been received. The
 * sequence number is the total bytes received so far, modulo 2^32.
 */
export class AckTracker {
  #window = 0;
  #received = 0;
  #lastAck = 0;

  /** The peer's Window Acknowledgement Size; 0 (the default) sends no acknowledgements. */
  setWindow(size: number): void {
    this.#window = size >>> 0;
  }

  get bytesReceived(): number {
    return this.#received;
  }

  /** Counts received bytes; returns the sequence number to acknowledge when one is due. */
  onBytes(n: number): number | null {
    this.#received = (this.#received + n) >>> 0;
    if (this.#window === 0) return null;
    if (((this.#received - this.#lastAck) >>> 0) < this.#window) return null;
    this.#lastAck = this.#received;
    return this.#received;
  }
}
