/**
 * Events the API pushes over WebSocket (/api/v1/events) and webhooks, and the bus the rest of the
 * application publishes them into. Publishing never blocks: subscribers run synchronously but a
 * throwing subscriber is isolated, and slow sinks (sockets, webhooks) queue on their side.
 */
import type { PublicCamera } from './public-camera.ts';
import type { PublishedCompressionState } from '../compression/compression-status.ts';
import type { ReplicationState } from '../metrics/metrics.ts';
import type { FactoryName, ReaderProtocol } from '../streams/types.ts';
import type { CameraUrls, BestUrls } from './urls.ts';
import type { StreamInfo } from '../api/types.ts';
import type { SourceState } from '../sources/source-status.ts';

export type EventBody =
  | { readonly type: 'stream.up'; readonly stream: StreamInfo }
  | { readonly type: 'stream.down'; readonly factory: FactoryName; readonly path: string }
  | {
      readonly type: 'reader.connect' | 'reader.disconnect';
      readonly factory: FactoryName;
      readonly path: string;
      readonly protocol: ReaderProtocol;
      /** The reader's address (`ip:port`) or a description. */
      readonly remote: string;
    }
  | { readonly type: 'urls.changed'; readonly camera: string; readonly best: BestUrls | null; readonly urls: CameraUrls | null }
  | { readonly type: 'camera.changed'; readonly camera: string; readonly change: 'added' | 'updated' | 'removed'; readonly value: PublicCamera }
  | {
      readonly type: 'compression.state';
      readonly camera: string;
      readonly state: PublishedCompressionState;
      readonly profile?: string;
      readonly detail?: string;
    }
  | {
      readonly type: 'replication.state';
      readonly factory: FactoryName;
      readonly path: string;
      readonly state: ReplicationState;
      readonly upstream?: string;
      readonly detail?: string;
    }
  | {
      /** Master: it started compressing a camera the slave no longer compresses ('failover'), or stopped ('handback'). */
      readonly type: 'replication.failover';
      readonly camera: string;
      readonly change: 'failover' | 'handback';
    }
  /** A pulled camera's source changed state; `detail` is the last error (never with credentials). */
  | { readonly type: 'source.state'; readonly camera: string; readonly state: SourceState; readonly detail?: string };

export type EventType = EventBody['type'];

/** An event as delivered: the body plus a per-process sequence number and the time it happened. */
export type ApiEvent = EventBody & { readonly seq: number; readonly time: string };

export type EventListener = (event: ApiEvent) => void;

export class EventBus {
  #seq = 0;
  #listeners = new Set<EventListener>();
  #onListenerError: (err: unknown, event: ApiEvent) => void;
  #now: () => number;

  constructor(options: { onListenerError?: (err: unknown, event: ApiEvent) => void; now?: () => number } = {}) {
    this.#onListenerError = options.onListenerError ?? (() => {});
    this.#now = options.now ?? Date.now;
  }

  /** Sequence number of the last event published (0 before any). */
  get lastSeq(): number {
    return this.#seq;
  }

  publish(body: EventBody): ApiEvent {
    const event = { ...body, seq: ++this.#seq, time: new Date(this.#now()).toISOString() } as ApiEvent;
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch (err) {
        // One broken subscriber must not stop the others or the publisher (often the media path).
        this.#onListenerError(err, event);
      }
    }
    return event;
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
