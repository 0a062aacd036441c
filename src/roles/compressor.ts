/**
 * The compressor role (3-machine layout): no cameras of its own; compresses every camera of its
 * upstream slave, reading the slave's Factory 1 and pushing to the slave's Factory 2.
 */
import { startCompressorRole } from '../compression/compressor-role.ts';
import { upstreamPushCredentials } from '../core/factory-auth.ts';
import { upstreamConfig } from '../replication/upstream-config.ts';
import type { NodeCore, RunningRole } from './role.ts';

export function startCompressor(core: NodeCore): RunningRole {
  const { settings, book, workers, log } = core;
  const upstream = settings.node.upstreams[0];
  if (upstream === undefined) throw new Error('role compressor needs --upstream http://SLAVE:8080');
  const pushCredentials = upstreamPushCredentials(upstream);
  if (pushCredentials === undefined) {
    log.warn("the upstream has no apiToken or pushCredentials: the slave's Factory 2 will refuse the compressed pushes (--upstream-token, i.e. node.upstreams[].apiToken, set to the slave's api.token)", { upstream: upstream.id });
  }
  const followed = upstreamConfig(upstream);
  const role = startCompressorRole({
    upstream: followed.apiUrl,
    ...(followed.ports !== undefined ? { ports: followed.ports } : {}),
    ...(upstream.apiToken !== undefined ? { apiToken: upstream.apiToken } : {}),
    ...(followed.tls !== undefined ? { tls: followed.tls } : {}),
    ...(pushCredentials !== undefined ? { pushCredentials } : {}),
    ...(upstream.readCredentials !== undefined ? { readCredentials: upstream.readCredentials } : {}),
    profileFor: (path) => core.followedCameraProfile(path),
    listener: book,
    maxWorkers: workers.maxWorkers,
    stallTimeoutMs: workers.stallTimeoutMs,
    backoff: workers.backoff,
    log: log.child({ component: 'compressor' }),
  });
  core.onClose(() => role.close());
  core.addReadiness({ name: 'upstream', check: () => role.upstreamReachable });
  return {
    servesCompression: true,
    profileChanged: (path) => void role.updateProfile(path, core.followedCameraProfile(path)),
  };
}
