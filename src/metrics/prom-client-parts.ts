/**
 * The parts of prom-client Cupola uses, imported from prom-client's own modules instead of its
 * index: the index also loads the Pushgateway (http, https), the cluster aggregator and, through
 * its CPU metric, @opentelemetry/api (exemplars, which Cupola does not use). The built server
 * bundles these CommonJS modules (scripts/build.mjs), so Node loads none of them itself; under tsx
 * (development) each is a separate CommonJS module imported from ESM.
 */
import type * as PromClient from 'prom-client';
import CounterClass from 'prom-client/lib/counter.js';
import GaugeClass from 'prom-client/lib/gauge.js';
import RegistryClass from 'prom-client/lib/registry.js';
import eventLoopLag from 'prom-client/lib/metrics/eventLoopLag.js';
import gc from 'prom-client/lib/metrics/gc.js';
import heapSizeAndUsed from 'prom-client/lib/metrics/heapSizeAndUsed.js';
import heapSpacesSizeAndUsed from 'prom-client/lib/metrics/heapSpacesSizeAndUsed.js';
import osMemoryHeap from 'prom-client/lib/metrics/osMemoryHeap.js';
import processHandles from 'prom-client/lib/metrics/processHandles.js';
import processMaxFileDescriptors from 'prom-client/lib/metrics/processMaxFileDescriptors.js';
import processOpenFileDescriptors from 'prom-client/lib/metrics/processOpenFileDescriptors.js';
import processRequests from 'prom-client/lib/metrics/processRequests.js';
import processResources from 'prom-client/lib/metrics/processResources.js';
import processStartTime from 'prom-client/lib/metrics/processStartTime.js';
import version from 'prom-client/lib/metrics/version.js';

export const Counter = CounterClass as unknown as typeof PromClient.Counter;
export type Counter<T extends string = string> = PromClient.Counter<T>;
export const Gauge = GaugeClass as unknown as typeof PromClient.Gauge;
export type Gauge<T extends string = string> = PromClient.Gauge<T>;
export const Registry = RegistryClass as unknown as typeof PromClient.Registry;
export type Registry = PromClient.Registry;

/** One of prom-client's default metrics (`prom-client/lib/metrics/<name>.js`): registers its metrics on `registry`. */
export type DefaultMetric = (registry: Registry, config: { readonly eventLoopMonitoringPrecision?: number }) => void;

/** prom-client's default metrics by module name, all but the CPU metric (default-metrics.ts writes its own). */
export const DEFAULT_METRICS = {
  processStartTime,
  osMemoryHeap,
  processOpenFileDescriptors,
  processMaxFileDescriptors,
  eventLoopLag,
  processResources,
  processHandles,
  processRequests,
  heapSizeAndUsed,
  heapSpacesSizeAndUsed,
  version,
  gc,
} as unknown as Readonly<Record<string, DefaultMetric>>;
