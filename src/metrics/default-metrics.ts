/**
 * prom-client's default process metrics (`collectDefaultMetrics`): the same metrics, names, help
 * texts, order and settings, registered from prom-client's own modules one by one (`prom-client-parts.ts`). Only the CPU
 * metric is written here: prom-client's loads @opentelemetry/api (for exemplars, which Cupola does
 * not use), about 7 MB of resident memory at start-up; the index of the package also loads the
 * Pushgateway (http, https) and the cluster aggregator. The test compares the metric names with
 * what prom-client's `collectDefaultMetrics` registers.
 */
import { Counter, DEFAULT_METRICS, type Registry } from './prom-client-parts.ts';

/** `process_cpu_*_seconds_total` as prom-client counts them: the delta since the last scrape. */
function processCpuTotal(registry: Registry): void {
  const registers = [registry];
  let last = process.cpuUsage();
  const user: Counter = new Counter({
    name: 'process_cpu_user_seconds_total',
    help: 'Total user CPU time spent in seconds.',
    registers,
    // One metric's `collect` sets all three.
    collect() {
      const now = process.cpuUsage();
      const userMicros = now.user - last.user;
      const systemMicros = now.system - last.system;
      last = now;
      user.inc(userMicros / 1e6);
      system.inc(systemMicros / 1e6);
      total.inc((userMicros + systemMicros) / 1e6);
    },
  });
  const system = new Counter({ name: 'process_cpu_system_seconds_total', help: 'Total system CPU time spent in seconds.', registers });
  const total = new Counter({ name: 'process_cpu_seconds_total', help: 'Total user and system CPU time spent in seconds.', registers });
}

/** Registers the default metrics on `registry` (what `collectDefaultMetrics({ register })` does). */
export function registerDefaultMetrics(registry: Registry): void {
  const config = { eventLoopMonitoringPrecision: 10 };
  processCpuTotal(registry);
  const rest = [
    'processStartTime',
    'osMemoryHeap',
    'processOpenFileDescriptors',
    'processMaxFileDescriptors',
    'eventLoopLag',
    ...(typeof process.getActiveResourcesInfo === 'function' ? ['processResources'] : []),
    'processHandles',
    'processRequests',
    'heapSizeAndUsed',
    'heapSpacesSizeAndUsed',
    'version',
    'gc',
  ];
  for (const name of rest) DEFAULT_METRICS[name]!(registry, config);
}
