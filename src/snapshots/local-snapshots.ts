/**
 * The SnapshotService of a node that serves its cameras over RTSP (Factory 1): each thumbnail is
 * grabbed from the node's own raw RTSP URL, over loopback when the listener is bound to a wildcard
 * address, with Factory 1's read credentials when RTSP play needs them. The composition root builds
 * it and hands it to the API server (`ApiServerDeps.snapshots`).
 */
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { grabJpegWithFfmpeg } from './ffmpeg-grab.ts';
import { SnapshotService, type SnapshotServiceOptions } from './snapshot-service.ts';

export interface LocalSnapshotsOptions {
  /** Whether camera `id` is live in Factory 1 on this node (e.g. `raw.get(id)?.live === true`). */
  readonly isLive: (cameraId: string) => boolean;
  /** The bound port of Factory 1's RTSP listener. */
  readonly rtspPort: number;
  /** The interface that listener is bound to. */
  readonly bindHost: string;
  /** Factory 1's RTSP read credentials, when playing needs them. */
  readonly credentials?: { readonly user: string; readonly pass: string };
  /** Defaults to the bundled ffmpeg. */
  readonly ffmpegPath?: string;
  /** The service's other options (sizes, timeouts, concurrency). */
  readonly service?: Omit<SnapshotServiceOptions, 'urlFor' | 'grab'>;
}

/** The host to dial to reach a listener bound to `bindHost` from this machine (URL form). */
export function localDialHost(bindHost: string): string {
  if (bindHost === '' || bindHost === '0.0.0.0') return '127.0.0.1';
  if (bindHost === '::' || bindHost === '[::]') return '[::1]';
  return bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost;
}

/** The node's own Factory 1 RTSP URL of camera `id` (credentials percent-encoded into it). */
export function localRawRtspUrl(o: Pick<LocalSnapshotsOptions, 'rtspPort' | 'bindHost' | 'credentials'>, cameraId: string): string {
  const c = o.credentials;
  const auth = c === undefined ? '' : `${encodeURIComponent(c.user)}:${encodeURIComponent(c.pass)}@`;
  const path = cameraId.split('/').map(encodeURIComponent).join('/');
  return `rtsp://${auth}${localDialHost(o.bindHost)}:${o.rtspPort}/${path}`;
}

export function localSnapshotService(o: LocalSnapshotsOptions): SnapshotService {
  return new SnapshotService({
    ...o.service,
    urlFor: (id) => (o.isLive(id) ? localRawRtspUrl(o, id) : undefined),
    grab: grabJpegWithFfmpeg(o.ffmpegPath ?? ffmpegInstaller.path),
  });
}
