/**
 * Adapts the stream registries to the metrics samplers: one StreamSample per stream, the Stream
 * object itself as the counting identity.
 */
import type { StreamRegistry } from '../streams/registry.ts';
import type { Stream } from '../streams/stream.ts';
import type { StreamSample } from './metrics.ts';

export function streamSample(stream: Stream): StreamSample {
  return {
    factory: stream.factory,
    path: stream.path,
    source: stream,
    live: stream.live,
    stats: stream.stats,
    readers: Object.fromEntries(stream.readerCounts()),
  };
}

/** The `streams` sampler over every stream of these registries. */
export function registryStreamSampler(registries: readonly StreamRegistry[]): () => StreamSample[] {
  return () => registries.flatMap((r) => r.list().map(streamSample));
}
