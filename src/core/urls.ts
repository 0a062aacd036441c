/**
 * URL management, pure: for each camera, its RTMP ingest, raw RTSP and compressed RTSP URLs (and
 * the LL-HLS playlists of both factories) on this
 * node and on its peer (slave <-> master), internal and advertised (port-forwarded) forms, which of
 * them are live, and the best live URL per factory for the digital twin.
 *
 * TLS: where a node serves a protocol over TLS (RTMPS, RTSPS of a factory), the advertised form is
 * the TLS one (`rtmps://`, `rtsps://`, the public TLS port): advertised URLs cross networks nobody
 * controls. Internal forms stay plain (the node's own compression, thumbnails and the LAN).
 */
import type { Camera } from '../config/model.ts';
import type { NodePorts, PublicPorts, Role, Settings } from '../config/settings.ts';
import type { FactoryName } from '../streams/types.ts';

export type NodeRef = 'self' | 'peer';

/** A node that serves cameras, as URLs need it. */
export interface NodeEndpoint {
  readonly ref: NodeRef;
  readonly name: string;
  readonly role: Role;
  /** Address on the internal network. */
  readonly host: string;
  /** Address seen from outside (port forwarding / NAT); null when not configured. */
  readonly advertisedHost: string | null;
  /** Ports it listens on (for this node: the ports actually bound). */
  readonly ports: NodePorts;
  /** Public ports of the port forwarding; a missing one equals the internal port. */
  readonly publicPorts: PublicPorts;
  /** Its API (and so LL-HLS and WHEP) serves HTTPS (`api.https`). Known for this node; for the peer, from its `apiUrl`. */
  readonly apiHttps?: boolean;
  /** It serves LL-HLS (`hls.enabled`). Known for this node; assumed on for the peer. */
  readonly hls?: boolean;
}

export interface UrlPair {
  readonly internal: string;
  /** Null when the node has no advertised host. rtmps:// or rtsps:// when the node serves that over TLS. */
  readonly advertised: string | null;
}

export interface NodeCameraUrls {
  readonly node: NodeRef;
  readonly name: string;
  readonly role: Role;
  /** Where the camera publishes (also the RTMP play URL of Factory 1). */
  readonly rtmpIngest: UrlPair;
  readonly rtspRaw: UrlPair;
  readonly rtspCompressed: UrlPair;
  /** WebRTC playback (WHEP endpoint: POST an SDP offer) of Factory 1, on the API port. */
  readonly whepRaw: UrlPair;
  /** WebRTC playback (WHEP) of Factory 2, on the API port. */
  readonly whepCompressed: UrlPair;
  /** LL-HLS multivariant playlists on the node's HTTP (API) port, for browsers. */
  /** Null when the node does not serve LL-HLS (`hls.enabled: false`). */
  readonly hlsRaw: UrlPair | null;
  readonly hlsCompressed: UrlPair | null;
  readonly live: { readonly raw: boolean; readonly compressed: boolean };
}

export interface BestUrl {
  readonly node: NodeRef;
  readonly name: string;
  readonly role: Role;
  /** RTSP URL on the internal network. */
  readonly url: string;
  readonly advertised: string | null;
  /** The same node's WHEP endpoint of this factory (browsers). */
  readonly whep: UrlPair;
  /** The same stream as LL-HLS, for browsers. */
  readonly hls: UrlPair | null;
}

/** The URL a consumer should use right now, per factory; null while no node has it live. */
export interface BestUrls {
  readonly raw: BestUrl | null;
  readonly compressed: BestUrl | null;
}

export interface CameraUrls {
  readonly camera: string;
  readonly site: string;
  readonly name: string;
  readonly enabled: boolean;
  /** The ingest URL needs `?key=<publish key>` (the key itself is not shown). */
  readonly publishKeyRequired: boolean;
  readonly nodes: readonly NodeCameraUrls[];
  readonly best: BestUrls;
}

export interface Liveness {
  isLive(node: NodeRef, factory: FactoryName, path: string): boolean;
}

/** This node, with the ports it actually bound (port 0 in tests) overriding the configured ones. */
export function selfEndpoint(settings: Settings, bound: Partial<NodePorts> = {}): NodeEndpoint {
  const n = settings.node;
  return {
    ref: 'self',
    name: n.name,
    role: n.role,
    host: n.host,
    advertisedHost: n.advertisedHost ?? null,
    ports: {
      rtmp: bound.rtmp ?? settings.factories.raw.rtmpPort,
      rtspRaw: bound.rtspRaw ?? settings.factories.raw.rtspPort,
      rtspCompressed: bound.rtspCompressed ?? settings.factories.compressed.rtspPort,
      api: bound.api ?? settings.api.port,
      // TLS listeners only once known: off, or port 0 not bound yet, is no URL at all.
      ...tlsPort('rtmps', bound.rtmps, settings.factories.raw.rtmpsPort),
      ...tlsPort('rtspsRaw', bound.rtspsRaw, settings.factories.raw.rtspsPort),
      ...tlsPort('rtspsCompressed', bound.rtspsCompressed, settings.factories.compressed.rtspsPort),
    },
    publicPorts: n.publicPorts,
    apiHttps: settings.api.https,
    hls: settings.hls.enabled,
  };
}

function tlsPort(key: TlsPortKey, bound: number | undefined, configured: number | undefined): Partial<NodePorts> {
  const port = bound ?? (configured === 0 ? undefined : configured);
  return port === undefined ? {} : { [key]: port };
}

/** The plain port and its TLS twin. */
type PlainPortKey = 'rtmp' | 'rtspRaw' | 'rtspCompressed';
type TlsPortKey = 'rtmps' | 'rtspsRaw' | 'rtspsCompressed';
const TLS_TWIN: Readonly<Record<PlainPortKey, TlsPortKey>> = { rtmp: 'rtmps', rtspRaw: 'rtspsRaw', rtspCompressed: 'rtspsCompressed' };

/** The peer: `node.peer`, else (master, compressor) the first upstream; undefined when none. */
export function peerEndpoint(settings: Settings): NodeEndpoint | undefined {
  const n = settings.node;
  const p = n.peer ?? (n.role !== 'slave' ? n.upstreams[0] : undefined);
  if (p === undefined) return undefined;
  return {
    ref: 'peer',
    name: p.id,
    role: p.role ?? (n.role === 'slave' ? 'master' : 'slave'),
    host: p.host,
    advertisedHost: p.advertisedHost ?? null,
    ports: p.ports,
    publicPorts: p.publicPorts,
    ...(p.apiUrl?.startsWith('https:') === true ? { apiHttps: true } : {}),
  };
}

/**
 * The peer with the ports it announced (GET /api/v1/node) over the configured ones; a TLS port it
 * announced as null (not offered) removes a configured one.
 */
export function withLearntPorts(
  ep: NodeEndpoint,
  learnt: Pick<NodePorts, PlainPortKey> & { readonly [K in TlsPortKey]?: number | null | undefined },
): NodeEndpoint {
  const ports: { -readonly [K in keyof NodePorts]: NodePorts[K] } = { ...ep.ports, rtmp: learnt.rtmp, rtspRaw: learnt.rtspRaw, rtspCompressed: learnt.rtspCompressed };
  for (const k of Object.values(TLS_TWIN)) {
    const v = learnt[k];
    if (v === null) delete ports[k];
    else if (v !== undefined) ports[k] = v;
  }
  return { ...ep, ports };
}

function hostPart(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** A URL on the node's API port (WHEP): https when the API speaks TLS (`api.https`; a peer's `apiUrl`). */
function apiPair(ep: NodeEndpoint, path: string): UrlPair {
  const scheme = ep.apiHttps === true ? 'https' : 'http';
  const internal = `${scheme}://${hostPart(ep.host)}:${ep.ports.api}/${path}`;
  const advertised = ep.advertisedHost === null ? null : `${scheme}://${hostPart(ep.advertisedHost)}:${ep.publicPorts.api ?? ep.ports.api}/${path}`;
  return { internal, advertised };
}

/** A camera's LL-HLS playlist on a node, on its API port (src/hls/hls-routes.ts); https when its API serves TLS. */
function hlsPair(ep: NodeEndpoint, factory: FactoryName, cameraId: string): UrlPair | null {
  if (ep.hls === false) return null;
  const scheme = ep.apiHttps === true ? 'https' : 'http';
  const path = `hls/${factory}/${cameraId}/index.m3u8`;
  const internal = `${scheme}://${hostPart(ep.host)}:${ep.ports.api}/${path}`;
  if (ep.advertisedHost === null) return { internal, advertised: null };
  return { internal, advertised: `${scheme}://${hostPart(ep.advertisedHost)}:${ep.publicPorts.api ?? ep.ports.api}/${path}` };
}

function pair(ep: NodeEndpoint, scheme: 'rtmp' | 'rtsp', port: PlainPortKey, path: string): UrlPair {
  const internal = `${scheme}://${hostPart(ep.host)}:${ep.ports[port]}/${path}`;
  if (ep.advertisedHost === null) return { internal, advertised: null };
  const twin = TLS_TWIN[port];
  const tls = ep.ports[twin];
  const advertised =
    tls !== undefined
      ? `${scheme}s://${hostPart(ep.advertisedHost)}:${ep.publicPorts[twin] ?? tls}/${path}`
      : `${scheme}://${hostPart(ep.advertisedHost)}:${ep.publicPorts[port] ?? ep.ports[port]}/${path}`;
  return { internal, advertised };
}

const ROLE_RANK: Readonly<Record<Role, number>> = { slave: 0, master: 1, compressor: 2 };

/** Computes one camera's URLs. Compressor nodes serve no cameras and are left out. */
export function cameraUrls(camera: Camera, endpoints: readonly NodeEndpoint[], live: Liveness): CameraUrls {
  const nodes: NodeCameraUrls[] = endpoints
    .filter((ep) => ep.role !== 'compressor')
    .map((ep) => ({
      node: ep.ref,
      name: ep.name,
      role: ep.role,
      rtmpIngest: pair(ep, 'rtmp', 'rtmp', camera.id),
      rtspRaw: pair(ep, 'rtsp', 'rtspRaw', camera.id),
      rtspCompressed: pair(ep, 'rtsp', 'rtspCompressed', camera.id),
      whepRaw: apiPair(ep, `whep/raw/${camera.id}`),
      whepCompressed: apiPair(ep, `whep/compressed/${camera.id}`),
      hlsRaw: hlsPair(ep, 'raw', camera.id),
      hlsCompressed: hlsPair(ep, 'compressed', camera.id),
      live: { raw: live.isLive(ep.ref, 'raw', camera.id), compressed: live.isLive(ep.ref, 'compressed', camera.id) },
    }));
  // The origin (slave) first, then the master; on equal roles this node before its peer.
  const ranked = [...nodes].sort((a, b) => ROLE_RANK[a.role] - ROLE_RANK[b.role] || (a.node === 'self' ? -1 : 1) - (b.node === 'self' ? -1 : 1));
  const best = (factory: FactoryName): BestUrl | null => {
    const n = ranked.find((x) => x.live[factory]);
    if (n === undefined) return null;
    const urls = factory === 'raw' ? n.rtspRaw : n.rtspCompressed;
    const whep = factory === 'raw' ? n.whepRaw : n.whepCompressed;
    const hls = factory === 'raw' ? n.hlsRaw : n.hlsCompressed;
    return { node: n.node, name: n.name, role: n.role, url: urls.internal, advertised: urls.advertised, whep, hls };
  };
  return {
    camera: camera.id,
    site: camera.site,
    name: camera.name,
    enabled: camera.enabled,
    publishKeyRequired: camera.publishKey !== undefined,
    nodes,
    best: { raw: best('raw'), compressed: best('compressed') },
  };
}

function sameBestUrl(a: BestUrl | null, b: BestUrl | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.node === b.node && a.url === b.url && a.advertised === b.advertised &&
    a.whep.internal === b.whep.internal && a.whep.advertised === b.whep.advertised &&
    a.hls?.internal === b.hls?.internal && a.hls?.advertised === b.hls?.advertised
  );
}

export function sameBest(a: BestUrls | null, b: BestUrls | null): boolean {
  if (a === null || b === null) return a === b;
  return sameBestUrl(a.raw, b.raw) && sameBestUrl(a.compressed, b.compressed);
}
