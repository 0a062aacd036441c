/**
 * The master: replicates its upstream slave(s) into its own factories, takes over the compression
 * of a camera whose compressed feed from the slave is lost, and (`sources.failover`) pulls a
 * source camera while the slave that pulls it is gone.
 */
import { peerEndpoint } from '../core/urls.ts';
import { startReplication } from '../replication/runner.ts';
import { upstreamConfig } from '../replication/upstream-config.ts';
import { startCameraSources } from './camera-sources.ts';
import { liveCameraProfile, startOwnCompression } from './own-compression.ts';
import { followConfiguredPeer } from './peer-watch.ts';
import type { NodeCore, RunningRole } from './role.ts';

export function startMaster(core: NodeCore): RunningRole {
  const { settings, raw, compressed, bus, urls, endpoints, log } = core;
  followConfiguredPeer(core);
  if (settings.node.upstreams.length === 0) throw new Error('role master needs --upstream http://SLAVE:8080 (the slave API to replicate)');
  // Failover: the same per-camera workers as the slave's, started only for cameras whose
  // compressed feed from the slave is lost.
  const takeover = settings.compression.enabled ? startOwnCompression(core, false) : undefined;
  // Without a configured peer, the master's peer is its first upstream (followed right here).
  const peerId = settings.node.peer === undefined ? peerEndpoint(settings)?.name : undefined;
  const r = settings.replication;
  const replication = startReplication(
    {
      upstreams: settings.node.upstreams.map(upstreamConfig),
      watch: { pollIntervalMs: r.pollIntervalMs },
      pull: { stallMs: r.stallMs, connectTimeoutMs: r.connectTimeoutMs, backoff: { initialMs: r.backoffInitialMs, maxMs: Math.max(r.backoffMaxMs, r.backoffInitialMs) } },
      failover: { afterMs: r.failoverAfterMs },
    },
    {
      raw,
      compressed,
      ...(takeover !== undefined ? { compression: takeover } : {}),
      compressionWanted: (path) => settings.compression.enabled && core.cameraProfile(path) !== undefined,
      events: bus,
      listener: {
        onUpstreamStreams: (upstream, streams) => {
          if (upstream === peerId) urls.setPeerLive(streams);
        },
        onUpstreamPorts: (upstream, _host, learnt) => {
          if (upstream === peerId) endpoints.learnPeerPorts(learnt);
        },
      },
      log: log.child({ component: 'replication' }),
    },
  );
  core.onClose(() => replication.close());
  const sources = settings.sources.failover ? startCameraSources(core, replication) : undefined;
  return {
    servesCompression: takeover !== undefined,
    replication,
    ...(sources !== undefined ? { sources } : {}),
    profileChanged: (path) => void takeover?.updateProfile(path, liveCameraProfile(core, path)),
  };
}
