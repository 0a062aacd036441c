/**
 * Pulled cameras (catalog cameras with a `source`) land in Factory 1 like pushing ones: always on a
 * slave; on a master (`sources.failover`) only while the slave that replicates the camera is gone.
 */
import type { ReplicationRunner } from '../replication/runner.ts';
import { SourceFailoverPlan } from '../sources/source-failover.ts';
import { startSources, type SourceRunner } from '../sources/source-runner.ts';
import type { NodeCore } from './role.ts';

export function startCameraSources(core: NodeCore, replication?: ReplicationRunner): SourceRunner {
  const { settings, store, raw, bus, log } = core;
  const sourceFailover = replication !== undefined ? new SourceFailoverPlan(settings.sources.failoverAfterMs) : undefined;
  const runner = startSources({
    raw,
    catalog: () => store.catalog(),
    watchCatalog: (fn) => store.watch(fn),
    settings: settings.sources,
    events: bus,
    log: log.child({ component: 'sources' }),
    // Master: a camera is pulled here only while the slave replicating it (else every slave) is gone.
    ...(sourceFailover !== undefined && replication !== undefined
      ? {
          failover: {
            active: (camera: string) => {
              const now = Date.now();
              const upstreams = replication.upstreams();
              sourceFailover.observe(upstreams, now);
              const pull = replication.list().find((p) => p.factory === 'raw' && p.path === camera);
              return sourceFailover.active(pull !== undefined ? [pull.upstream] : upstreams.map((u) => u.id), now);
            },
          },
        }
      : {}),
  });
  raw.setDemandHandler((path) => (runner.isOnDemand(path) ? runner.demand(path) : undefined));
  core.onClose(() => runner.close());
  return runner;
}
