/**
 * The parts of prom-client Cupola uses, loaded with `require` from prom-client's own modules instead
 * of its index: the index also loads the Pushgateway (http, https), the cluster aggregator and,
 * through its CPU metric, @opentelemetry/api (exemplars, which Cupola does not use). `require`
 * rather than `import`: an ESM import of each CommonJS module costs more memory (its export
 * detection and module record) than the index it replaces. Measured in a bare node: index 51.8 MB
 * RSS, these modules imported 53.8 MB, required 48.1 MB.
 */
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

const require = createRequire(import.meta.url);

export const Counter = require('prom-client/lib/counter.js') as typeof PromClient.Counter;
export type Counter<T extends string = string> = PromClient.Counter<T>;
export const Gauge = require('prom-client/lib/gauge.js') as typeof PromClient.Gauge;
export type Gauge<T extends string = string> = PromClient.Gauge<T>;
export const Registry = require('prom-client/lib/registry.js') as typeof PromClient.Registry;
export type Registry = PromClient.Registry;

/** One of prom-client's default metrics (`prom-client/lib/metrics/<name>.js`): registers its metrics on `registry`. */
export type DefaultMetric = (registry: Registry, config: { readonly eventLoopMonitoringPrecision?: number }) => void;

export function defaultMetric(name: string): DefaultMetric {
  return require(`prom-client/lib/metrics/${name}.js`) as DefaultMetric;
}
