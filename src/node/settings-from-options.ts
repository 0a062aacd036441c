/**
 * Turns `cupola serve` options into the node's validated Settings: the settings file (--config)
 * first, then every option given on the command line or through CUPOLA_* on top. Pure.
 */
import { mergeRaw, parseSettings, type Settings } from '../config/settings.ts';
import type { ServeOptions } from '../cli/serve-options.ts';

/** The raw settings layer the explicit options make. */
export function optionsLayer(o: ServeOptions): Record<string, unknown> {
  const has = (k: keyof ServeOptions): boolean => o.explicit.has(k);
  const node: Record<string, unknown> = { role: o.role };
  if (has('host')) {
    node.bindHost = o.host;
    // A specific bind address is also how this node is reached internally.
    if (o.host !== '0.0.0.0' && o.host !== '::') node.host = o.host;
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
    node.peer = { id: 'peer', host: url.hostname.replace(/^\[|\]$/g, ''), apiUrl: url.origin, role: o.role === 'slave' ? 'master' : 'slave', ...trust };
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
  return layer;
}

/**
 * Merges the settings file (already read; undefined when none) with the options and validates the
 * result; throws ConfigValidationError naming each bad field.
 */
export function settingsFromOptions(o: ServeOptions, fileLayer: unknown, source: string): Settings {
  const defaults: Record<string, unknown> = {
    factories: { raw: { rtmpPort: o.rtmpPort, rtspPort: o.rtspPort }, compressed: { rtspPort: o.compressedRtspPort } },
    api: { port: o.apiPort },
    store: { dataDir: o.dataDir },
  };
  return parseSettings(mergeRaw(defaults, fileLayer, optionsLayer(o)), source);
}
