/**
 * RTMP client over a TCP socket: handshake as client, then play (description, metadata and frames
 * through callbacks, for replication and `cupola probe`) or publish (frames in, for load
 * generators and tests). The protocol work is in protocols/rtmp (ClientHandshake, ChunkReader,
 * ClientSession) and protocols/flv (FlvToFrames, from-frames); this file owns the socket and timers.
 */
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import type { Frame, StreamDescription } from '../../../protocols/media/frame.ts';
import { FlvToFrames } from '../../../protocols/flv/to-frames.ts';
import { frameTag, metadataTagBody, sequenceHeaderTags } from '../../../protocols/flv/from-frames.ts';
import type { FromFramesOptions } from '../../../protocols/flv/from-frames.ts';
import { ClientHandshake } from '../../../protocols/rtmp/handshake/client-handshake.ts';
import { ChunkReader } from '../../../protocols/rtmp/chunk/chunk-reader.ts';
import type { ChunkLimits } from '../../../protocols/rtmp/chunk/chunk-limits.ts';
import { ClientSession } from '../../../protocols/rtmp/session/client-session.ts';
import type { ClientSessionEvent } from '../../../protocols/rtmp/session/client-session-events.ts';
import type { AmfObject } from '../../../protocols/rtmp/amf0/amf-value.ts';
import { encodeAmf0 } from '../../../protocols/rtmp/amf0/amf0-encoder.ts';
import { parseRtmpUrl } from './rtmp-url.ts';
import { connectClientSocket, type ClientTls } from '../../net/client-socket.ts';
import { readFromHandle } from '../../net/handle-read.ts';

export interface RtmpClientHandlers {
  /** Play started (NetStream.Play.Start) / publish accepted (NetStream.Publish.Start). */
  onStarted?(): void;
  /** Play: codec parameters, first and on every change. */
  onDescription?(desc: StreamDescription): void;
  /** Play: onMetaData. */
  onMetadata?(meta: Readonly<Record<string, unknown>>): void;
  /** Play: one frame. */
  onFrame?(frame: Frame): void;
  /** The session ended: null when it ended cleanly (server closed after the stream ended). Once. */
  onClose(error: Error | null): void;
}

export interface RtmpClientOptions {
  /** Give up when not started within this. Defaults to 10 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Close when nothing was received or sent for this long. Defaults to 30 000 ms. */
  readonly idleTimeoutMs?: number;
  /** FP9 digest handshake (as ffmpeg). Defaults to true. */
  readonly digestHandshake?: boolean;
  readonly limits?: ChunkLimits;
  /** Publish: H.265 signalling. Defaults to Enhanced RTMP. */
  readonly flv?: FromFramesOptions;
  /** rtmps:// URLs: how the server's certificate is checked. Defaults to the system's CAs. */
  readonly tls?: ClientTls;
  /** flashVer sent in connect. Defaults to 'FMLE/3.0 (compatible; Cupola)'. */
  readonly flashVer?: string;
}

/** The server refused or ended the session (status code from onStatus/_error). */
export class RtmpClientError extends Error {
  override readonly name = 'RtmpClientError';
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

type Mode = 'play' | 'publish';

/** The AMF0 string that prefixes a publisher's onMetaData data message. */
const SET_DATA_FRAME = encodeAmf0('@setDataFrame');

export class RtmpClient {
  readonly url: string;
  readonly #mode: Mode;
  readonly #handlers: RtmpClientHandlers;
  readonly #options: RtmpClientOptions;
  readonly #socket: net.Socket;
  #handshake: ClientHandshake | null;
  readonly #reader: ChunkReader;
  readonly #session: ClientSession;
  readonly #frames = new FlvToFrames();
  #connectTimer: NodeJS.Timeout | null;
  #bytesReceived = 0;
  #started = false;
  #closed = false;
  // publish state
  #description: StreamDescription | undefined;
  #metadata: Readonly<Record<string, unknown>> | undefined;
  #waitingForKeyframe = true;

  static play(url: string, handlers: RtmpClientHandlers, options: RtmpClientOptions = {}): RtmpClient {
    return new RtmpClient('play', url, handlers, options);
  }

  static publish(url: string, handlers: RtmpClientHandlers, options: RtmpClientOptions = {}): RtmpClient {
    return new RtmpClient('publish', url, handlers, options);
  }

  private constructor(mode: Mode, url: string, handlers: RtmpClientHandlers, options: RtmpClientOptions) {
    this.url = url;
    this.#mode = mode;
    this.#handlers = handlers;
    this.#options = options;
    const target = parseRtmpUrl(url);
    this.#handshake = new ClientHandshake({ randomBytes, timeMs: 0, digest: options.digestHandshake ?? true });
    this.#session = new ClientSession(
      { mode, app: target.app, tcUrl: target.tcUrl, streamName: target.streamName, ...(options.flashVer !== undefined ? { flashVer: options.flashVer } : {}) },
      (buffers) => this.#write(buffers),
      (event) => this.#onEvent(event),
    );
    this.#reader = new ChunkReader((m) => this.#session.handleMessage(m), options.limits);
    const { socket, readyEvent } = connectClientSocket(target.host, target.port, target.secure, options.tls);
    this.#socket = socket;
    this.#socket.setNoDelay(true);
    this.#socket.setTimeout(options.idleTimeoutMs ?? 30_000);
    this.#socket.on(readyEvent, () => this.#write(this.#handshake?.start() ?? []));
    this.#socket.on('data', (d: Buffer) => this.#onData(d));
    this.#socket.on('timeout', () => this.#finish(new Error('RTMP connection idle')));
    this.#socket.on('error', (err) => this.#finish(err));
    this.#socket.on('close', () => this.#finish(this.#started ? null : new Error('RTMP connection closed before the stream started')));
    this.#connectTimer = setTimeout(() => this.#finish(new Error(`RTMP ${mode} not started within the connect timeout`)), options.connectTimeoutMs ?? 10_000);
    this.#connectTimer.unref();
  }

  get bytesReceived(): number {
    return this.#bytesReceived;
  }

  /** Bytes queued in the socket (publish backpressure). */
  get pendingBytes(): number {
    return this.#socket.writableLength;
  }

  get started(): boolean {
    return this.#started;
  }

  /** Publish: codec parameters; sends the sequence headers. */
  setDescription(desc: StreamDescription): void {
    this.#description = desc;
    this.#waitingForKeyframe = desc.video !== undefined;
    if (!this.#started) return;
    for (const t of sequenceHeaderTags(desc, 0, this.#options.flv)) this.#session.sendMedia(t.type as 8 | 9, t.timestampMs, t.parts);
  }

  /** Publish: onMetaData (sent as `@setDataFrame`, as encoders do; kept until started). */
  setMetadata(meta: Readonly<Record<string, unknown>>): void {
    this.#metadata = meta;
    if (!this.#started) return;
    this.#session.sendMedia(18, 0, [SET_DATA_FRAME, metadataTagBody(meta as AmfObject)]);
  }

  /** Publish: one frame (dropped before start and, for video, until the first keyframe). */
  pushFrame(frame: Frame): void {
    const desc = this.#description;
    if (!this.#started || desc === undefined) return;
    if (this.#waitingForKeyframe && frame.track === 'video') {
      if (!frame.keyframe) return;
      this.#waitingForKeyframe = false;
    }
    const tag = frameTag(desc, frame, this.#options.flv);
    if (tag !== null) this.#session.sendMedia(tag.type as 8 | 9, tag.timestampMs, tag.parts);
  }

  /** Play: asks the server to stop (false) or resume (true) sending audio / video (receiveAudio / receiveVideo). */
  receive(track: 'audio' | 'video', enabled: boolean): void {
    if (!this.#closed) this.#session.sendStreamCommand(track === 'audio' ? 'receiveAudio' : 'receiveVideo', enabled);
  }

  /** Play: NetStream pause (true) / resume (false). */
  pause(paused: boolean): void {
    if (!this.#closed) this.#session.sendStreamCommand('pause', paused);
  }

  /** Ends the session (deleteStream, then FIN); no handler is called after this. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimer();
    this.#session.stop();
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), 1000).unref();
  }

  #write(buffers: readonly Buffer[]): void {
    if (this.#closed || this.#socket.destroyed) return;
    this.#socket.cork();
    for (const b of buffers) this.#socket.write(b);
    this.#socket.uncork();
  }

  /** `lent`: the bytes are the shared read buffer's, valid only during this call. */
  #onData(data: Buffer, lent = false): void {
    if (this.#closed) return;
    this.#bytesReceived += data.length;
    try {
      if (this.#handshake !== null) {
        const step = this.#handshake.push(data);
        if (step.send.length > 0) this.#write(step.send);
        if (!step.done) return;
        this.#handshake = null;
        this.#session.start();
        // From the next read on, the chunk stream comes straight from the handle (plain TCP).
        readFromHandle(this.#socket, (lent) => this.#onData(lent, true));
        if (step.rest === null) return;
        data = step.rest;
      }
      this.#session.onBytesReceived(data.length);
      if (lent) this.#reader.pushLent(data);
      else this.#reader.push(data);
    } catch (err) {
      this.#finish(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #onEvent(event: ClientSessionEvent): void {
    switch (event.type) {
      case 'connected':
      case 'status':
        return;
      case 'started':
        this.#started = true;
        this.#clearTimer();
        if (this.#mode === 'publish') {
          if (this.#metadata !== undefined) this.setMetadata(this.#metadata);
          if (this.#description !== undefined) this.setDescription(this.#description);
        }
        this.#handlers.onStarted?.();
        return;
      case 'media': {
        const r = this.#frames.pushTag(event.tagType, event.timestamp, event.body);
        if (r.metadata !== undefined) this.#handlers.onMetadata?.(r.metadata);
        if (r.description !== undefined) this.#handlers.onDescription?.(r.description);
        for (const f of r.frames) this.#handlers.onFrame?.(f);
        return;
      }
      case 'failed':
        this.#finish(new RtmpClientError(event.code, `RTMP server refused: ${event.code} ${event.description}`.trim()));
        return;
      case 'stream-eof':
        this.#finish(null);
        return;
    }
  }

  #clearTimer(): void {
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
  }

  #finish(error: Error | null): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimer();
    this.#socket.destroy();
    this.#handlers.onClose(error);
  }
}
