/**
 * Turns `cupola serve` options into the node's validated Settings: the settings file (--config)
 * first, then every option given on the command line or through CUPOLA_* on top. Pure.
 */
import { mergeRaw, parseSettings, type Settings } from '../config/settings.ts';
import type { ServeOptions } from './serve-options.ts';
import { defaultInternalHost, isWildcardHost, thisMachine, type MachineInfo } from '../config/internal-host.ts';

/** The raw settings layer the explicit options make. */
export function optionsLayer(o: ServeOptions): Record<string, unknown> {
  const has = (k: keyof ServeOptions): boolean => o.explicit.has(k);
  const node: Record<string, unknown> = {};
  // Only a role given as a flag or CUPOLA_ROLE; otherwise the settings file's (or the default) applies.
  if (has('role')) node.role = o.role;
  if (has('host')) {
    node.bindHost = o.host;
    // A specific bind address is also how this node is reached internally.
    if (!isWildcardHost(o.host)) node.host = o.host;
  }
  if (o.advertiseHost !== undefined) node.advertisedHost = o.advertiseHost;
  // --upstream-tls-ca / --upstream-tls-insecure apply to every upstream and the peer given as flags.
  const trust = { ...(o.upstreamTlsCa !== undefined ? { tlsCaFile: o.upstreamTlsCa } : {}), ...(o.upstreamTlsInsecure ? { tlsInsecure: true } : {}) };
  if (o.upstream.length > 0) {
    node.upstreams = o.upstream.map((u, i) => {
      const url = new URL(u);
      return {
        id: o.upstream.length === 1 ? 'upstream' : `upstream${i + 1}`,
        host: url.hostname,
        apiUrl: url.origin,
        role: 'slave',
        ...(o.upstreamToken !== undefined ? { apiToken: o.upstreamToken } : {}),
        ...trust,
      };
    });
  }
  if (o.peer !== undefined) {
    const url = new URL(o.peer);
    // Its role follows from this node's final role (src/core/urls.ts peerEndpoint), which may come from the file.
    node.peer = { id: 'peer', host: url.hostname.replace(/^\[|\]$/g, ''), apiUrl: url.origin, ...trust };
  }
  const raw: Record<string, unknown> = {};
  if (has('rtmpPort')) raw.rtmpPort = o.rtmpPort;
  if (has('rtspPort')) raw.rtspPort = o.rtspPort;
  if (o.rtmpsPort !== undefined) raw.rtmpsPort = o.rtmpsPort;
  if (o.rtspsPort !== undefined) raw.rtspsPort = o.rtspsPort;
  const compressed: Record<string, unknown> = {};
  if (has('compressedRtspPort')) compressed.rtspPort = o.compressedRtspPort;
  if (o.compressedRtspsPort !== undefined) compressed.rtspsPort = o.compressedRtspsPort;
  const api: Record<string, unknown> = {};
  if (has('apiPort')) api.port = o.apiPort;
  if (has('https')) api.https = o.https;
  const tls: Record<string, unknown> = {};
  if (o.tlsCert !== undefined) tls.certFile = o.tlsCert;
  if (o.tlsKey !== undefined) tls.keyFile = o.tlsKey;
  if (o.apiToken !== undefined) api.token = o.apiToken;
  const store: Record<string, unknown> = {};
  if (has('dataDir')) store.dataDir = o.dataDir;
  if (o.mongoUrl !== undefined) store.mongoUrl = o.mongoUrl;
  const layer: Record<string, unknown> = { node, factories: { raw, compressed }, api, store, tls };
  if (has('compress')) layer.compression = { enabled: o.compress };
  if (o.failoverAfterMs !== undefined) layer.replication = { failoverAfterMs: o.failoverAfterMs };
  // Each URL flag chooses its method; the other auth keys come from the settings file.
  if (o.authHttpUrl !== undefined) layer.auth = { method: 'http', http: { url: o.authHttpUrl } };
  if (o.authJwksUrl !== undefined) layer.auth = { method: 'jwt', jwt: { jwksUrl: o.authJwksUrl } };
  return layer;
}

/**
 * Merges the settings file (already read; undefined when none) with the options and validates the
 * result; throws ConfigValidationError naming each bad field. Without `node.host` anywhere, internal
 * URLs use the bound address, or on a wildcard bind the machine's primary address (`machine`).
 */
export function settingsFromOptions(o: ServeOptions, fileLayer: unknown, source: string, machine: MachineInfo = thisMachine()): Settings {
  const defaults: Record<string, unknown> = {
    factories: { raw: { rtmpPort: o.rtmpPort, rtspPort: o.rtspPort }, compressed: { rtspPort: o.compressedRtspPort } },
    api: { port: o.apiPort },
    store: { dataDir: o.dataDir },
  };
  const merged = mergeRaw(defaults, fileLayer, optionsLayer(o));
  const node = typeof merged.node === 'object' && merged.node !== null && !Array.isArray(merged.node) ? (merged.node as Record<string, unknown>) : {};
  if (node.host === undefined) {
    const bind = typeof node.bindHost === 'string' ? node.bindHost : o.host;
    merged.node = { ...node, host: defaultInternalHost(bind, machine) };
  }
  return parseSettings(merged, source);
}
