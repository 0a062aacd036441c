import { EventEmitter } from 'node:events';
import type { Frame, StreamDescription } from '../../protocols/media/frame.ts';
import { DEFAULT_GOP_LIMITS, type GopCacheLimits } from './gop-cache.ts';
import { normalizeStreamPath } from './path.ts';
import { Stream } from './stream.ts';
import {
  PublishRejectedError,
  type FactoryName,
  type PublishAuthorizer,
  type PublisherInfo,
  type ReaderProtocol,
} from './types.ts';

export interface StreamRegistryOptions {
  /** Checks publish keys and known cameras; throws PublishRejectedError to refuse. Default: allow. */
  readonly authorize?: PublishAuthorizer;
  /**
   * How long a stream whose publisher left keeps its readers waiting for a new publisher before
   * they are closed. Defaults to 15 000 ms.
   */
  readonly unpublishedGraceMs?: number;
  readonly gopLimits?: GopCacheLimits;
  readonly now?: () => number;
}

/**
 * Starts the publisher of a path on demand (a pulled camera with `sourceOnDemand`): returns a
 * promise that settles once the path has something to serve (true) or gave up (false), or
 * undefined when the path is not started on demand.
 */
export type DemandHandler = (path: string) => Promise<boolean> | undefined;

/** The publisher's handle on its stream. Methods are no-ops once closed. */
export interface Publication {
  readonly stream: Stream;
  readonly closed: boolean;
  setDescription(desc: StreamDescription): void;
  setMetadata(meta: Readonly<Record<string, unknown>>): void;
  pushFrame(frame: Frame): void;
  close(): void;
}

export interface StreamRegistryEvents {
  /** A publication became playable (its first description arrived). */
  'stream.up': [stream: Stream];
  /** A playable publication ended. */
  'stream.down': [stream: Stream];
  /** The description of a live stream changed (codec or resolution). */
  'stream.changed': [stream: Stream];
  /** A reader started playing a stream (counted by Stream.addReader). */
  'reader.connect': [stream: Stream, protocol: ReaderProtocol, remote: string];
  /** A reader stopped playing. */
  'reader.disconnect': [stream: Stream, protocol: ReaderProtocol, remote: string];
}

/**
 * The streams of one factory, keyed by path. One publisher per path; readers attach to a Stream
 * through its outputs. The only owner of Stream objects.
 */
export class StreamRegistry extends EventEmitter<StreamRegistryEvents> {
  readonly factory: FactoryName;
  #streams = new Map<string, Stream>();
  #graceTimers = new Map<string, NodeJS.Timeout>();
  /** Per path, how to take the path from its current publication (direct publishers pre-empt copies). */
  #revokers = new Map<string, () => void>();
  #authorize: PublishAuthorizer;
  #graceMs: number;
  #gopLimits: GopCacheLimits;
  #now: () => number;
  #closed = false;
  #onReader = (stream: Stream, change: 'connect' | 'disconnect', protocol: ReaderProtocol, remote: string): void => {
    this.emit(change === 'connect' ? 'reader.connect' : 'reader.disconnect', stream, protocol, remote);
  };
  #demand: DemandHandler | undefined;

  constructor(factory: FactoryName, options: StreamRegistryOptions = {}) {
    super();
    this.factory = factory;
    this.#authorize = options.authorize ?? (() => {});
    this.#graceMs = options.unpublishedGraceMs ?? 15_000;
    this.#gopLimits = options.gopLimits ?? DEFAULT_GOP_LIMITS;
    this.#now = options.now ?? Date.now;
  }

  get(path: string): Stream | undefined {
    return this.#streams.get(path);
  }

  list(): Stream[] {
    return [...this.#streams.values()];
  }

  /** Installs the on-demand starter (the composition root passes the pulled cameras' runner). */
  setDemandHandler(handler: DemandHandler | undefined): void {
    this.#demand = handler;
  }

  /**
   * An output is about to look a path up for a reader (RTSP DESCRIBE, RTMP play): when the path is
   * not live and starts on demand, returns the promise to wait for first; else undefined (look now).
   * The reader counts as demand for its path's close timer (the runner's business).
   */
  demand(rawPath: string): Promise<boolean> | undefined {
    if (this.#demand === undefined || this.#closed) return undefined;
    const path = normalizeStreamPath(rawPath);
    if (path === null) return undefined;
    const live = this.#streams.get(path)?.live === true;
    const pending = this.#demand(path);
    // Already live: the handler noted the reader (its close timer restarts); nothing to wait for.
    return live ? undefined : pending;
  }

  /** Streams that have a publisher and a description. */
  live(): Stream[] {
    return this.list().filter((s) => s.live);
  }

  /**
   * Runs the authorizer alone (e.g. at RTSP ANNOUNCE, before the path's state is looked at); throws
   * PublishRejectedError like publish(). Returns the normalised path.
   */
  authorize(rawPath: string, publisher: PublisherInfo): string {
    const path = normalizeStreamPath(rawPath);
    if (path === null) throw new PublishRejectedError('bad-path', `invalid stream path "${rawPath.slice(0, 100)}"`);
    this.#authorize(path, publisher);
    return path;
  }

  /**
   * Takes `path` for a publisher. Throws PublishRejectedError when the path is invalid, taken by a
   * live publisher, or refused by the authorizer (bad key, unknown camera).
   */
  publish(rawPath: string, publisher: PublisherInfo): Publication {
    if (this.#closed) throw new PublishRejectedError('disabled', 'server is shutting down');
    const path = normalizeStreamPath(rawPath);
    if (path === null) throw new PublishRejectedError('bad-path', `invalid stream path "${rawPath.slice(0, 100)}"`);
    // Authorisation first: a client without the key learns nothing about the path, not even
    // whether someone publishes it (security issue 17.5).
    this.#authorize(path, publisher);
    const existing = this.#streams.get(path);
    // A camera publishing here directly takes precedence over a replicated copy of the same path:
    // the copy's publication is ended (its frames are ignored from now on) and the readers stay.
    // Anyone takes precedence over a placeholder (the camera is back).
    const current = existing?.publisher?.kind;
    const preempt = current === 'placeholder' || (current === 'replication' && publisher.kind !== 'replication');
    if (existing?.publisher && !preempt) {
      // Who publishes is the operator's business (the listener logs it), never the client's.
      throw new PublishRejectedError('path-busy', `stream ${path} is already being published`);
    }
    if (preempt) this.#revokers.get(path)?.();
    const stream = existing ?? new Stream(path, this.factory, this.#now, this.#gopLimits, this.#onReader);
    this.#streams.set(path, stream);
    this.#cancelGrace(path);
    stream.attachPublisher(publisher);
    return this.#publication(stream);
  }

  /**
   * Lets a stand-in (the placeholder of an always-available camera) feed `path` while its publisher
   * is away, so the readers stay connected instead of being closed after the grace period. Only a
   * stream that still has readers and no publisher can take one; returns null otherwise. The
   * stand-in runs no authorizer (it is the server's own), emits no stream.up/down/changed (the
   * camera is still down) and is pre-empted by the next real publisher; when it closes while readers
   * remain, the grace period applies.
   */
  publishStandIn(path: string, remote: string): Publication | null {
    if (this.#closed) return null;
    const stream = this.#streams.get(path);
    if (stream === undefined || stream.publisher !== null || stream.subscriberCount === 0) return null;
    this.#cancelGrace(path);
    stream.attachPublisher({ kind: 'placeholder', remote });
    return this.#publication(stream, false);
  }

  /** Ends every stream and closes every reader (shutdown). */
  close(): void {
    this.#closed = true;
    for (const t of this.#graceTimers.values()) clearTimeout(t);
    this.#graceTimers.clear();
    for (const s of this.#streams.values()) s.end();
    this.#streams.clear();
    this.#revokers.clear();
  }

  /** `announce`: false for a stand-in, whose description changes are not stream.up/changed events. */
  #publication(stream: Stream, announce = true): Publication {
    let closed = false;
    let up = false;
    const registry = this;
    const end = (): void => {
      closed = true;
      if (registry.#revokers.get(stream.path) === end) registry.#revokers.delete(stream.path);
      stream.detachPublisher();
      if (up) registry.emit('stream.down', stream);
    };
    this.#revokers.set(stream.path, end);
    return {
      stream,
      get closed() {
        return closed;
      },
      setDescription(desc) {
        if (closed) return;
        stream.setDescription(desc);
        if (!announce) return;
        if (!up) {
          up = true;
          registry.emit('stream.up', stream);
        } else registry.emit('stream.changed', stream);
      },
      setMetadata(meta) {
        if (!closed) stream.setMetadata(meta);
      },
      pushFrame(frame) {
        if (!closed) stream.pushFrame(frame);
      },
      close() {
        if (closed) return;
        end();
        registry.#scheduleRemoval(stream);
      },
    };
  }

  #scheduleRemoval(stream: Stream): void {
    if (this.#closed) return;
    if (stream.subscriberCount === 0) {
      this.#remove(stream);
      return;
    }
    this.#cancelGrace(stream.path);
    const timer = setTimeout(() => {
      this.#graceTimers.delete(stream.path);
      if (stream.publisher === null) this.#remove(stream);
    }, this.#graceMs);
    timer.unref();
    this.#graceTimers.set(stream.path, timer);
  }

  #remove(stream: Stream): void {
    if (this.#streams.get(stream.path) === stream) this.#streams.delete(stream.path);
    stream.end();
  }

  #cancelGrace(path: string): void {
    const t = this.#graceTimers.get(path);
    if (t !== undefined) {
      clearTimeout(t);
      this.#graceTimers.delete(path);
    }
  }
}
