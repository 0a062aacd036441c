/**
 * The configured peer (a slave's master, `node.peer`): what it has live, and its ports, feed URL
 * management, so this node's best URLs point at the peer when only the peer has a stream.
 */
import { upstreamConfig } from '../replication/upstream-config.ts';
import { fetchFor } from '../replication/tls-fetch.ts';
import { DEFAULT_WATCH_SETTINGS, UpstreamWatch } from '../replication/upstream-watch.ts';
import { connectEventSocket } from '../replication/ws/event-socket.ts';
import type { NodeCore } from './role.ts';

export function followConfiguredPeer(core: NodeCore): void {
  const { settings, urls, endpoints, log } = core;
  const configuredPeer = settings.node.peer;
  if (configuredPeer === undefined) return;
  const peerConfig = upstreamConfig(configuredPeer);
  const peerWatch = new UpstreamWatch(
    peerConfig,
    { ...DEFAULT_WATCH_SETTINGS, pollIntervalMs: settings.replication.pollIntervalMs },
    {
      fetch: fetchFor(peerConfig.tls),
      connectEvents: connectEventSocket,
      now: Date.now,
      log: log.child({ component: 'peer' }),
      onSnapshot: (next) => urls.setPeerLive(next.reachable ? (next.streams ?? []).map((x) => ({ factory: x.factory, path: x.path })) : []),
      onPorts: (learnt) => endpoints.learnPeerPorts(learnt),
    },
  );
  peerWatch.start();
  core.onClose(() => peerWatch.close());
}
