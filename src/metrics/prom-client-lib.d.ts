/**
 * Types of the prom-client modules `default-metrics.ts` and `metrics.ts` load one by one instead of
 * the package's index (which also loads the Pushgateway, the cluster aggregator and, through the
 * CPU metric, @opentelemetry/api: about 7 MB of resident memory a node never uses).
 */
declare module 'prom-client/lib/registry.js' {
  import { Registry } from 'prom-client';
  export = Registry;
}
declare module 'prom-client/lib/counter.js' {
  import { Counter } from 'prom-client';
  export = Counter;
}
declare module 'prom-client/lib/gauge.js' {
  import { Gauge } from 'prom-client';
  export = Gauge;
}
/** Each default metric of prom-client: registers its metrics on `registry`. */
declare module 'prom-client/lib/metrics/*' {
  import type { Registry } from 'prom-client';
  const register: (registry: Registry, config: { readonly eventLoopMonitoringPrecision?: number }) => void;
  export = register;
}
