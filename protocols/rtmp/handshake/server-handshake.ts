/**
 * Server side of the RTMP handshake: reads C0+C1, answers S0+S1+S2, reads C2. A C1 with a
 * non-zero version field and a valid FP9 digest gets a digest-form answer (as Flash Player and
 * ffmpeg expect); anything else gets the plain form of the spec (S2 echoes C1).
 */
import { ByteQueue } from '../../bytes/byte-queue.ts';
import { ProtocolError } from '../../errors.ts';
import {
  FMS_KEY,
  FMS_KEY_TEXT_LENGTH,
  FP_KEY,
  FP_KEY_TEXT_LENGTH,
  HANDSHAKE_SIZE,
  RTMP_VERSION,
  SERVER_DIGEST_VERSION,
} from './handshake-constants.ts';
import { findValidDigest, signPacket, signResponse } from './digest.ts';
import type { HandshakeOptions, HandshakeStep } from './handshake-step.ts';

type ServerHandshakeState = 'c0c1' | 'c2' | 'done';

export class ServerHandshake {
  readonly #queue = new ByteQueue();
  readonly #options: HandshakeOptions;
  #state: ServerHandshakeState = 'c0c1';
  #digestForm = false;

  constructor(options: HandshakeOptions) {
    this.#options = options;
  }

  /** True when the client used (and we answered) the FP9 digest form. */
  get digestForm(): boolean {
    return this.#digestForm;
  }

  get done(): boolean {
    return this.#state === 'done';
  }

  push(chunk: Buffer): HandshakeStep {
    if (this.#state === 'done') return { send: [], done: true, rest: chunk.length > 0 ? chunk : null };
    this.#queue.push(chunk);
    const send: Buffer[] = [];
    if (this.#state === 'c0c1') {
      if (this.#queue.length >= 1) {
        const version = this.#queue.peekByte(0);
        if (version !== RTMP_VERSION) {
          // 6 and 8 are RTMPE (encrypted); anything else is not RTMP (an HTTP request, a scanner).
          throw new ProtocolError('RTMP_HANDSHAKE_VERSION_UNSUPPORTED', `RTMP version ${version} in C0`);
        }
      }
      if (this.#queue.length < 1 + HANDSHAKE_SIZE) return { send, done: false, rest: null };
      this.#queue.skip(1);
      const c1 = Buffer.from(this.#queue.consume(HANDSHAKE_SIZE)); // copied: signed/echoed below
      send.push(Buffer.from([RTMP_VERSION]), ...this.#answer(c1));
      this.#state = 'c2';
    }
    if (this.#state === 'c2') {
      // C2 is not checked: clients fill it in incompatible ways and nothing depends on it.
      if (this.#queue.length < HANDSHAKE_SIZE) return { send, done: false, rest: null };
      this.#queue.skip(HANDSHAKE_SIZE);
      this.#state = 'done';
      const rest = this.#queue.length > 0 ? this.#queue.consume(this.#queue.length) : null;
      return { send, done: true, rest };
    }
    return { send, done: this.#state === 'done', rest: null };
  }

  /** [S1, S2] for a C1. */
  #answer(c1: Buffer): [Buffer, Buffer] {
    const { randomBytes, timeMs } = this.#options;
    const s1 = Buffer.from(randomBytes(HANDSHAKE_SIZE));
    s1.writeUInt32BE(timeMs >>> 0, 0);
    const clientVersion = c1.readUInt32BE(4);
    const found = clientVersion === 0 ? null : findValidDigest(c1, FP_KEY.subarray(0, FP_KEY_TEXT_LENGTH));
    if (found === null) {
      s1.writeUInt32BE(0, 4);
      return [s1, c1]; // plain form: S2 echoes C1
    }
    this.#digestForm = true;
    s1.writeUInt32BE(SERVER_DIGEST_VERSION, 4);
    signPacket(s1, found.scheme, FMS_KEY.subarray(0, FMS_KEY_TEXT_LENGTH));
    const s2 = Buffer.from(randomBytes(HANDSHAKE_SIZE));
    signResponse(s2, found.digest, FMS_KEY);
    return [s1, s2];
  }
}
