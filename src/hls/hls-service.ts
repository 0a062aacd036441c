/**
 * The LL-HLS muxers of a node: one per (factory, stream) that someone requested, started on the
 * first request and stopped after `idleStopMs` without one, so cameras nobody watches cost no CPU.
 */
import type { HlsSettings } from '../config/settings.ts';
import type { StreamRegistry } from '../streams/registry.ts';
import type { FactoryName } from '../streams/types.ts';
import { HLS_OUTPUT_KEY, HlsMuxer } from './hls-muxer.ts';

/** What the HLS part of the metrics counts, per factory. */
export interface HlsMetrics {
  muxerStarted(factory: FactoryName): void;
  muxerStopped(factory: FactoryName): void;
  partMade(factory: FactoryName): void;
  segmentMade(factory: FactoryName): void;
  request(factory: FactoryName, bytes: number): void;
}

export interface HlsServiceDeps {
  readonly registries: Partial<Record<FactoryName, Pick<StreamRegistry, 'get'>>>;
  readonly settings: Pick<HlsSettings, 'partMs' | 'segmentMs' | 'windowSegments' | 'idleStopMs'>;
  readonly now?: () => number;
  readonly metrics?: HlsMetrics;
}

export type MuxerLookup = { readonly muxer: HlsMuxer } | { readonly error: 'unknown-factory' | 'not-live' };

export class HlsService {
  readonly #deps: HlsServiceDeps;
  readonly #now: () => number;
  readonly #muxers = new Map<string, { factory: FactoryName; muxer: HlsMuxer }>();
  readonly #sweep: NodeJS.Timeout;

  constructor(deps: HlsServiceDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#sweep = setInterval(() => this.sweep(), Math.min(1000, Math.max(100, deps.settings.idleStopMs / 4)));
    this.#sweep.unref();
  }

  /** Muxers running now. */
  get running(): number {
    return this.#muxers.size;
  }

  hasFactory(factory: string): factory is FactoryName {
    return (factory === 'raw' || factory === 'compressed') && this.#deps.registries[factory] !== undefined;
  }

  /** The stream's muxer, started if needed (counts as a request: it stays up idleStopMs from now). */
  muxer(factory: FactoryName, path: string): MuxerLookup {
    const registry = this.#deps.registries[factory];
    if (registry === undefined) return { error: 'unknown-factory' };
    const stream = registry.get(path);
    if (stream === undefined || !stream.live) return { error: 'not-live' };
    const now = this.#now();
    const metrics = this.#deps.metrics;
    const key = `${factory} ${path}`;
    const muxer = stream.output(HLS_OUTPUT_KEY, () => {
      const created: HlsMuxer = new HlsMuxer(stream, this.#deps.settings, now, {
        onPart: (_part, segmentDone) => {
          metrics?.partMade(factory);
          if (segmentDone) metrics?.segmentMade(factory);
        },
        onClose: () => {
          if (this.#muxers.get(key)?.muxer !== created) return;
          this.#muxers.delete(key);
          metrics?.muxerStopped(factory);
        },
      });
      return created;
    });
    if (!muxer.closed && this.#muxers.get(key)?.muxer !== muxer) {
      this.#muxers.set(key, { factory, muxer });
      metrics?.muxerStarted(factory);
    }
    muxer.lastRequestAt = now;
    return { muxer };
  }

  /** Stops the muxers idle for idleStopMs (run by the timer; public for tests). */
  sweep(): void {
    const now = this.#now();
    for (const { muxer } of [...this.#muxers.values()]) {
      if (now - muxer.lastRequestAt >= this.#deps.settings.idleStopMs) muxer.close();
    }
  }

  close(): void {
    clearInterval(this.#sweep);
    for (const { muxer } of [...this.#muxers.values()]) muxer.close();
  }
}
