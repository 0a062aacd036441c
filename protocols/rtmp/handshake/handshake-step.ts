/** What one `push` of handshake bytes produced. */
export interface HandshakeStep {
  /** Bytes to send to the peer now (possibly none). */
  readonly send: Buffer[];
  /** The handshake is complete; `rest` holds the bytes received after it (chunk stream data). */
  readonly done: boolean;
  readonly rest: Buffer | null;
}

export interface HandshakeOptions {
  /** Random bytes source (node:crypto's randomBytes in production, a seeded PRNG in tests). */
  readonly randomBytes: (size: number) => Buffer;
  /** The time field of C1/S1: milliseconds since an arbitrary epoch (uptime), truncated to 32 bits. */
  readonly timeMs: number;
}
