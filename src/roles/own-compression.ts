/**
 * The per-camera compression workers of a node with cameras: each ffmpeg reads the camera from this
 * node's own Factory 1 over RTSP and its frames land in Factory 2. The slave's follow Factory 1;
 * the master's (follow false) start only for the cameras it takes over.
 */
import { CompressionManager } from '../compression/compression-manager.ts';
import { localRawRtspUrl } from '../snapshots/local-snapshots.ts';
import type { NodeCore } from './role.ts';

export function startOwnCompression(core: NodeCore, follow: boolean): CompressionManager {
  const { raw, compressed, book, workers, ports, settings, rawReadCredentials, log } = core;
  const manager = new CompressionManager({
    raw,
    compressed,
    ...(follow ? {} : { follow: false }),
    profileFor: (path) => core.cameraProfile(path),
    // Factory 1's RTSP URL of a camera on this node (read at each start: the port may be learnt late).
    inputUrlFor: (path) => localRawRtspUrl({ rtspPort: ports.rtsp ?? 0, bindHost: settings.node.bindHost, ...rawReadCredentials }, path),
    listener: book,
    maxWorkers: workers.maxWorkers,
    stallTimeoutMs: workers.stallTimeoutMs,
    backoff: workers.backoff,
    log: log.child({ component: 'compression' }),
  });
  manager.start();
  core.onClose(() => manager.close());
  return manager;
}

/** The camera's new profile for its running worker: none unless the camera is live in Factory 1. */
export function liveCameraProfile(core: NodeCore, path: string): ReturnType<NodeCore['cameraProfile']> {
  return core.raw.get(path)?.live ? core.cameraProfile(path) : undefined;
}
