/**
 * One pulled stream: drives the pure state machine (pull-state.ts) and does its I/O — opens the
 * upstream session, publishes into a registry, counts bytes, frames and added delay. On every
 * reconnect the old Publication is closed and a new one taken on the same path: the Stream keeps its
 * readers and rebases timestamps so they never go backwards.
 *
 * The one "pull a URL into a registry path with backoff, stall detection and state" piece: the
 * master's replication publishes as 'replication', pulled cameras (src/sources) as 'source'.
 */
import type { ClientTls } from '../net/client-socket.ts';
import type { Frame, StreamDescription } from '../../protocols/media/frame.ts';
import type { Logger } from '../log/logger.ts';
import type { Publication, StreamRegistry } from '../streams/registry.ts';
import { PublishRejectedError, type FactoryName, type PublisherKind } from '../streams/types.ts';
import { DelayMeter } from './delay-meter.ts';
import { decidePull } from './plan.ts';
import { INITIAL_PULL_STATE, stepPull, type PullEvent, type PullSettings, type PullState, type StopReason } from './pull-state.ts';
import type { OpenSource, SourceSession } from './source.ts';

/**
 * Live pulls report media to the state machine at most this often (stall detection needs no more);
 * a quarter of the stall time when that is shorter.
 */
const MEDIA_REPORT_INTERVAL_MS = 250;

export interface PullTarget {
  readonly url: string;
  readonly credentials?: { readonly user: string; readonly pass: string } | undefined;
  /** TLS URLs: how the upstream's certificate is checked. */
  readonly tls?: ClientTls | undefined;
}

export interface PullContext {
  readonly registry: StreamRegistry;
  readonly open: OpenSource;
  /** Where to pull from right now (the upstream's ports may have changed). */
  target(): PullTarget;
  readonly settings: PullSettings;
  readonly now: () => number;
  readonly random: () => number;
  readonly log: Logger;
  /** The state kind or its detail changed. */
  onChange(pull: Pull): void;
  /** Who this pull publishes as. Defaults to 'replication'. */
  readonly publisherKind?: PublisherKind;
  /** What log lines of this pull start with. Defaults to 'replication'. */
  readonly label?: string;
  /**
   * Masks secrets in URLs and errors before they reach logs and `detail` (pulled cameras carry
   * their credentials in the URL). Defaults to leaving the text as is.
   */
  readonly redact?: (text: string) => string;
}

export class Pull {
  readonly factory: FactoryName;
  readonly path: string;
  readonly upstreamId: string;
  /** Identity for cumulative metrics counters: one per Pull. */
  readonly source: object = {};
  reconnects = 0;
  bytes = 0;
  frames = 0;
  lastFrameAt: number | null = null;
  readonly #ctx: PullContext;
  #state: PullState = INITIAL_PULL_STATE;
  #session: SourceSession | null = null;
  #sessionBytes = 0;
  #sessionId = 0;
  #publication: Publication | null = null;
  #url: string | null = null;
  #meter = new DelayMeter();
  #hasVideo = false;
  #lastMediaReport = Number.NEGATIVE_INFINITY;
  #retired = false;
  readonly #kind: PublisherKind;
  readonly #label: string;
  readonly #redact: (text: string) => string;

  constructor(factory: FactoryName, path: string, upstreamId: string, ctx: PullContext) {
    this.factory = factory;
    this.path = path;
    this.upstreamId = upstreamId;
    this.#ctx = ctx;
    this.#kind = ctx.publisherKind ?? 'replication';
    this.#label = ctx.label ?? 'replication';
    this.#redact = ctx.redact ?? ((t) => t);
  }

  get state(): PullState {
    return this.#state;
  }

  /** The URL pulled last (masked by `redact`); null before the first connect. */
  get url(): string | null {
    return this.#url === null ? null : this.#redact(this.#url);
  }

  /** The publisher kind this pull takes its path as. */
  get publisherKind(): PublisherKind {
    return this.#kind;
  }

  /** The error of the last failure or the reason of the stop. */
  get detail(): string | undefined {
    const s = this.#state;
    if (s.kind === 'backoff') return s.error;
    if (s.kind === 'stopped') return s.reason;
    if (s.kind === 'stalled') return `no media for ${this.#ctx.settings.stallMs} ms`;
    return undefined;
  }

  /** Mean delay added over the upstream's timeline (ms), null before frames arrive. */
  addedDelayMs(): number | null {
    return this.#meter.meanMs();
  }

  /** Bytes including the open session's, as the client counts them. */
  totalBytes(): number {
    return this.bytes + (this.#session?.bytesReceived ?? this.#sessionBytes);
  }

  /** Starts or pauses the pull by the precedence rule (a direct publisher owns the path). */
  evaluate(): void {
    const local = this.#localPublisherKind();
    const decision = decidePull(local, this.#kind);
    if (decision.run) this.dispatch({ type: 'start' });
    else this.dispatch({ type: 'stop', reason: decision.reason });
  }

  dispatch(event: PullEvent): void {
    if (this.#retired && event.type !== 'stop') return;
    const before = this.#state;
    const t = stepPull(before, event, this.#ctx.now(), this.#ctx.random, this.#ctx.settings);
    this.#state = t.state;
    if (t.reconnect) this.reconnects++;
    const changed = before.kind !== t.state.kind || (before.kind === 'stopped' && t.state.kind === 'stopped' && before.reason !== t.state.reason);
    // Report before acting: an action may lead to a further transition (a connect refused by the
    // precedence rule stops the pull), which then reports itself in order.
    if (changed) this.#ctx.onChange(this);
    for (const action of t.actions) {
      if (action === 'disconnect') this.#disconnect();
      else this.#connect();
    }
  }

  /** Stops for good when `final` (no longer listed, shutdown): later events are ignored. */
  stop(reason: StopReason, final = false): void {
    if (final) this.#retired = true;
    this.dispatch({ type: 'stop', reason });
  }

  /** Who publishes the path locally now (this pull's own kind is this pull: one per path). */
  #localPublisherKind(): PublisherKind | null {
    return this.#ctx.registry.get(this.path)?.publisher?.kind ?? null;
  }

  #connect(): void {
    const decision = decidePull(this.#localPublisherKind(), this.#kind);
    if (!decision.run) {
      this.dispatch({ type: 'stop', reason: decision.reason });
      return;
    }
    const target = this.#ctx.target();
    this.#url = target.url;
    const id = ++this.#sessionId;
    const current = (): boolean => id === this.#sessionId;
    this.#sessionBytes = 0;
    this.#hasVideo = false;
    this.#meter.reset();
    this.#lastMediaReport = Number.NEGATIVE_INFINITY;
    this.#ctx.log.debug(`${this.#label} connecting`, { factory: this.factory, path: this.path, url: this.#redact(target.url) });
    try {
      this.#session = this.#ctx.open(
        { factory: this.factory, url: target.url, credentials: target.credentials, connectTimeoutMs: this.#ctx.settings.connectTimeoutMs, tls: target.tls },
        {
          onDescription: (desc) => {
            if (current()) this.#onDescription(desc);
          },
          onMetadata: (meta) => {
            if (current()) this.#publication?.setMetadata(meta);
          },
          onFrame: (frame) => {
            if (current()) this.#onFrame(frame);
          },
          onClose: (error) => {
            if (!current()) return;
            this.#session = null;
            this.dispatch({ type: 'failed', error: this.#redact(error?.message ?? 'upstream ended the session') });
          },
        },
      );
    } catch (err) {
      this.#session = null;
      this.dispatch({ type: 'failed', error: this.#redact((err as Error).message) });
    }
  }

  #onDescription(desc: StreamDescription): void {
    this.#hasVideo = desc.video !== undefined;
    if (this.#publication === null) {
      try {
        this.#publication = this.#ctx.registry.publish(this.path, { kind: this.#kind, remote: this.url ?? this.upstreamId });
      } catch (err) {
        if (err instanceof PublishRejectedError && err.reason === 'path-busy') {
          this.evaluate(); // someone else owns the path now: pause (or fail if it is another copy)
          if (this.#state.kind === 'stopped') return;
        }
        this.dispatch({ type: 'failed', error: this.#redact(`publish refused: ${(err as Error).message}`) });
        return;
      }
    }
    this.#publication.setDescription(desc);
  }

  #onFrame(frame: Frame): void {
    const publication = this.#publication;
    if (publication === null) return; // frames before the description cannot be decoded downstream
    if (publication.closed || publication.stream.publisher?.kind !== this.#kind) {
      // The registry handed the path to a direct publisher (it takes precedence over a replicated copy).
      this.evaluate();
      return;
    }
    const now = this.#ctx.now();
    publication.pushFrame(frame);
    this.frames++;
    this.#sessionBytes += frame.payload.length;
    this.lastFrameAt = now;
    if (frame.track === 'video' || !this.#hasVideo) this.#meter.add(now, frame.dts);
    if (this.#state.kind === 'connecting' || now - this.#lastMediaReport >= Math.min(MEDIA_REPORT_INTERVAL_MS, this.#ctx.settings.stallMs / 4)) {
      this.#lastMediaReport = now;
      this.dispatch({ type: 'media' });
    }
  }

  #disconnect(): void {
    this.#sessionId++;
    this.bytes += this.#session?.bytesReceived ?? this.#sessionBytes;
    this.#sessionBytes = 0;
    const session = this.#session;
    this.#session = null;
    try {
      session?.close();
    } catch (err) {
      this.#ctx.log.warn(`${this.#label} session close failed`, { path: this.path, error: this.#redact((err as Error).message) });
    }
    const publication = this.#publication;
    this.#publication = null;
    // When a direct publisher pre-empted us, the path is no longer ours to close.
    if (publication !== null && publication.stream.publisher?.kind === this.#kind) publication.close();
  }
}
