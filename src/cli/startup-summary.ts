/**
 * The few human lines `cupola serve` prints on a terminal once it is listening: role, every
 * listener with its URL, the dashboard, the config store. Pure; serve.ts decides where it goes.
 */
import type { Settings } from '../config/settings.ts';
import { redactMongoUrl } from '../config/mongo-url.ts';
import type { NodePorts } from '../core/node-endpoints.ts';

function hostPart(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The dashboard's URL on the node's internal host; null without an API listener. */
export function dashboardUrl(settings: Settings, ports: NodePorts): string | null {
  return ports.api === null ? null : `${settings.api.https ? 'https' : 'http'}://${hostPart(settings.node.host)}:${ports.api}/`;
}

/** Lines without a trailing newline; URLs use the node's internal host (`node.host`). */
export function startupSummary(o: { settings: Settings; ports: NodePorts; version: string }): string[] {
  const { settings, ports } = o;
  const host = hostPart(settings.node.host);
  const rows: [string, string][] = [];
  if (ports.rtmp !== null) rows.push(['RTMP ingest + play', `rtmp://${host}:${ports.rtmp}/SITE/CAMERA`]);
  if (ports.rtsp !== null) rows.push(['RTSP raw (Factory 1)', `rtsp://${host}:${ports.rtsp}/SITE/CAMERA`]);
  if (ports.compressedRtsp !== null) rows.push(['RTSP compressed (Factory 2)', `rtsp://${host}:${ports.compressedRtsp}/SITE/CAMERA`]);
  if (ports.rtmps !== null) rows.push(['RTMPS ingest + play', `rtmps://${host}:${ports.rtmps}/SITE/CAMERA`]);
  if (ports.rtsps !== null) rows.push(['RTSPS raw (Factory 1)', `rtsps://${host}:${ports.rtsps}/SITE/CAMERA`]);
  if (ports.compressedRtsps !== null) rows.push(['RTSPS compressed (Factory 2)', `rtsps://${host}:${ports.compressedRtsps}/SITE/CAMERA`]);
  const dashboard = dashboardUrl(settings, ports);
  if (dashboard !== null) rows.push(['dashboard', dashboard], ['API', `${dashboard}api/v1/`], ['metrics', `${dashboard}metrics`]);
  const store = settings.store.mongoUrl !== undefined
    ? `MongoDB ${redactMongoUrl(settings.store.mongoUrl)} (database ${settings.store.mongoDatabase})`
    : `embedded file in ${settings.store.dataDir}`;
  rows.push(['config store', store]);
  const upstreams = settings.node.upstreams.map((u) => u.apiUrl ?? u.host);
  if (upstreams.length > 0) rows.push(['following', upstreams.join(', ')]);
  if (settings.node.bindHost !== settings.node.host) rows.push(['bound to', settings.node.bindHost]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    `cupola ${o.version}: ${settings.node.role} "${settings.node.name}" is running`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    'Stop with Ctrl-C.',
  ];
}
