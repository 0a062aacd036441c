/**
 * Client side of the RTMP handshake: sends C0+C1 (FP9 digest form by default, as ffmpeg does;
 * plain form on request), reads S0+S1+S2 and answers C2 in the form the server used.
 */
import { ByteQueue } from '../../bytes/byte-queue.ts';
import { ProtocolError } from '../../errors.ts';
import {
  CLIENT_DIGEST_VERSION,
  FMS_KEY,
  FMS_KEY_TEXT_LENGTH,
  FP_KEY,
  FP_KEY_TEXT_LENGTH,
  HANDSHAKE_SIZE,
  RTMP_VERSION,
} from './handshake-constants.ts';
import { findValidDigest, signPacket, signResponse, verifyResponse } from './digest.ts';
import type { HandshakeOptions, HandshakeStep } from './handshake-step.ts';

export interface ClientHandshakeOptions extends HandshakeOptions {
  /** Send the FP9 digest form of C1. Defaults to true. */
  readonly digest?: boolean;
}

type ClientHandshakeState = 'initial' | 's0s1s2' | 'done';

export class ClientHandshake {
  readonly #queue = new ByteQueue();
  readonly #options: ClientHandshakeOptions;
  #state: ClientHandshakeState = 'initial';
  #c1Digest: Buffer | null = null;
  #serverVerified = false;

  constructor(options: ClientHandshakeOptions) {
    this.#options = options;
  }

  /** True when S2 carried a valid signature of our C1 digest (digest form only). */
  get serverVerified(): boolean {
    return this.#serverVerified;
  }

  get done(): boolean {
    return this.#state === 'done';
  }

  /** C0 + C1, to send right after connecting. */
  start(): Buffer[] {
    if (this.#state !== 'initial') throw new Error('ClientHandshake.start() called twice');
    const { randomBytes, timeMs } = this.#options;
    const c1 = Buffer.from(randomBytes(HANDSHAKE_SIZE));
    c1.writeUInt32BE(timeMs >>> 0, 0);
    if (this.#options.digest ?? true) {
      c1.writeUInt32BE(CLIENT_DIGEST_VERSION, 4);
      this.#c1Digest = signPacket(c1, 0, FP_KEY.subarray(0, FP_KEY_TEXT_LENGTH));
    } else {
      c1.writeUInt32BE(0, 4);
    }
    this.#state = 's0s1s2';
    return [Buffer.from([RTMP_VERSION]), c1];
  }

  push(chunk: Buffer): HandshakeStep {
    if (this.#state === 'initial') throw new Error('ClientHandshake.push() before start()');
    this.#queue.push(chunk);
    if (this.#state === 'done') return { send: [], done: true, rest: this.#drain() };
    if (this.#queue.length >= 1 && this.#queue.peekByte(0) !== RTMP_VERSION) {
      throw new ProtocolError('RTMP_HANDSHAKE_VERSION_UNSUPPORTED', `RTMP version ${this.#queue.peekByte(0)} in S0`);
    }
    if (this.#queue.length < 1 + 2 * HANDSHAKE_SIZE) return { send: [], done: false, rest: null };
    this.#queue.skip(1);
    const s1 = Buffer.from(this.#queue.consume(HANDSHAKE_SIZE));
    const s2 = this.#queue.consume(HANDSHAKE_SIZE);
    if (this.#c1Digest !== null) this.#serverVerified = verifyResponse(s2, this.#c1Digest, FMS_KEY);
    this.#state = 'done';
    return { send: [this.#c2(s1)], done: true, rest: this.#drain() };
  }

  #c2(s1: Buffer): Buffer {
    const found = s1.readUInt32BE(4) === 0 ? null : findValidDigest(s1, FMS_KEY.subarray(0, FMS_KEY_TEXT_LENGTH));
    if (found === null) return s1; // plain form: C2 echoes S1
    const c2 = Buffer.from(this.#options.randomBytes(HANDSHAKE_SIZE));
    signResponse(c2, found.digest, FP_KEY);
    return c2;
  }

  #drain(): Buffer | null {
    return this.#queue.length > 0 ? this.#queue.consume(this.#queue.length) : null;
  }
}
