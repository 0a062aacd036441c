/**
 * Wires one stream registry to the control plane: stream up/down become `stream.up`/`stream.down`
 * events (readers coming and going `reader.connect`/`reader.disconnect`), then liveness for URL management (so `urls.changed` follows the stream event); a stream going down is folded into the metrics at once
 * (the registry may drop the Stream object right after).
 */
import type { Metrics } from '../metrics/metrics.ts';
import { streamSample } from '../metrics/registry-sampler.ts';
import type { StreamRegistry } from '../streams/registry.ts';
import type { Stream } from '../streams/stream.ts';
import type { ReaderProtocol } from '../streams/types.ts';
import type { EventBus } from './events.ts';
import { streamInfoOf } from './streams-view.ts';
import type { UrlManager } from './url-manager.ts';

export interface RegistryEventsDeps {
  readonly bus: EventBus;
  readonly urls: UrlManager;
  readonly metrics?: Metrics;
  /** The registry's clock (for uptime). Defaults to Date.now. */
  readonly now?: () => number;
}

export function connectRegistryEvents(registry: StreamRegistry, deps: RegistryEventsDeps): () => void {
  const now = deps.now ?? Date.now;
  const up = (stream: Stream): void => {
    deps.bus.publish({ type: 'stream.up', stream: streamInfoOf(stream, now()) });
    deps.urls.setLive('self', stream.factory, stream.path, true);
  };
  const down = (stream: Stream): void => {
    deps.metrics?.observeStream(streamSample(stream));
    deps.bus.publish({ type: 'stream.down', factory: stream.factory, path: stream.path });
    deps.urls.setLive('self', stream.factory, stream.path, false);
  };
  const reader = (type: 'reader.connect' | 'reader.disconnect') => (stream: Stream, protocol: ReaderProtocol, remote: string): void => {
    deps.bus.publish({ type, factory: stream.factory, path: stream.path, protocol, remote });
  };
  const connect = reader('reader.connect');
  const disconnect = reader('reader.disconnect');
  registry.on('stream.up', up);
  registry.on('stream.down', down);
  registry.on('reader.connect', connect);
  registry.on('reader.disconnect', disconnect);
  return () => {
    registry.off('stream.up', up);
    registry.off('stream.down', down);
    registry.off('reader.connect', connect);
    registry.off('reader.disconnect', disconnect);
  };
}
