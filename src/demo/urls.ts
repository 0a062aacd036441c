/**
 * The URLs the demo prints (pure): per camera, everything a user would open in a player, plus the
 * two dashboards.
 */
import type { DemoCamera, DemoNodeName } from './layout.ts';

/** Ports a node actually bound (from its `listening` line). */
export interface BoundPorts {
  readonly rtmp: number;
  readonly rtsp: number;
  readonly compressedRtsp: number;
  readonly api: number;
}

export interface CameraUrls {
  readonly camera: string;
  /** Where the simulated camera publishes (RTMP ingest of the slave's Factory 1). */
  readonly publish: string;
  readonly slave: NodeCameraUrls;
  readonly master: NodeCameraUrls;
}

export interface NodeCameraUrls {
  readonly rtmp: string;
  readonly rtspRaw: string;
  readonly rtspCompressed: string;
  readonly snapshot: string;
}

/** Brackets an IPv6 literal for use in a URL. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export function dashboardUrl(host: string, ports: BoundPorts): string {
  return `http://${urlHost(host)}:${ports.api}/`;
}

function nodeUrls(host: string, ports: BoundPorts, camera: DemoCamera): NodeCameraUrls {
  const h = urlHost(host);
  return {
    rtmp: `rtmp://${h}:${ports.rtmp}/${camera.path}`,
    rtspRaw: `rtsp://${h}:${ports.rtsp}/${camera.path}`,
    rtspCompressed: `rtsp://${h}:${ports.compressedRtsp}/${camera.path}`,
    snapshot: `http://${h}:${ports.api}/api/v1/cameras/${camera.path}/snapshot.jpg`,
  };
}

/**
 * URLs of one camera. `host` is what users put in players (the advertised host); `publishHost` is
 * where the local camera ffmpeg connects.
 */
export function cameraUrls(
  camera: DemoCamera,
  o: { host: string; publishHost: string; slave: BoundPorts; master: BoundPorts },
): CameraUrls {
  return {
    camera: camera.path,
    publish: `rtmp://${urlHost(o.publishHost)}:${o.slave.rtmp}/${camera.path}`,
    slave: nodeUrls(o.host, o.slave, camera),
    master: nodeUrls(o.host, o.master, camera),
  };
}

const NODE_ROWS: readonly [keyof NodeCameraUrls, string][] = [
  ['rtspRaw', 'RTSP raw'],
  ['rtspCompressed', 'RTSP compressed'],
  ['rtmp', 'RTMP play'],
];

/** The human-readable block the demo prints once everything is up. */
export function formatUrlTable(o: {
  host: string;
  slave: BoundPorts;
  master: BoundPorts;
  cameras: readonly CameraUrls[];
}): string {
  const lines: string[] = [];
  const node = (n: DemoNodeName): BoundPorts => (n === 'slave' ? o.slave : o.master);
  lines.push('Dashboards');
  for (const n of ['slave', 'master'] as const) lines.push(`  ${n.padEnd(7)} ${dashboardUrl(o.host, node(n))}`);
  lines.push('');
  for (const cam of o.cameras) {
    lines.push(`Camera ${cam.camera}   (publishes to ${cam.publish})`);
    for (const n of ['slave', 'master'] as const) {
      for (const [key, label] of NODE_ROWS) lines.push(`  ${n.padEnd(7)} ${label.padEnd(16)} ${cam[n][key]}`);
    }
    lines.push('');
  }
  // The bundled ffmpeg package has no ffplay: point at a player people have, and at our own probe.
  lines.push(`Try:  open ${o.cameras[0]?.slave.rtspRaw ?? ''} in VLC, or: npx cupola probe ${o.cameras[0]?.slave.rtspRaw ?? ''}`);
  lines.push('Stop: Ctrl-C');
  return lines.join('\n');
}
