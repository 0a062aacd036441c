/**
 * Node settings: what one machine runs and how it is reached. Local to the machine (not shared through
 * MongoDB): a settings file, CLI flags and environment are merged as raw layers (`mergeRaw`) and
 * validated once (`parseSettings`) into a frozen snapshot with every default filled.
 */
import { readFile } from 'node:fs/promises';
import { createPublicKey } from 'node:crypto';
import { BlockList } from 'node:net';
import { addIpEntry } from '../access/ip-rules.ts';
import {
  arr,
  bool,
  int,
  join,
  obj,
  oneOf,
  optional,
  parseOrThrow,
  port,
  refine,
  str,
  withDefault,
  type Infer,
  type ObjectSchema,
  type Schema,
} from './schema-kit.ts';
import { idSegment } from './model.ts';

/** An object section whose absence means "all defaults". */
function section<S extends Record<string, Schema<unknown>>>(schema: ObjectSchema<S>): Schema<Infer<ObjectSchema<S>>> {
  return withDefault(schema, parseOrThrow(schema, {}));
}

const host = (): Schema<string> =>
  str({ pattern: /^[A-Za-z0-9.:[\]_-]{1,253}$/, patternHint: 'a host name or IP address' });
const httpUrl = (): Schema<string> =>
  str({ pattern: /^https?:\/\/[^\s]+$/, patternHint: 'an http:// or https:// URL', maxLength: 2048 });

export const ROLES = ['slave', 'master', 'compressor'] as const;
export type Role = (typeof ROLES)[number];

const credentials = obj({
  user: str({ minLength: 1, maxLength: 128 }),
  pass: str({ minLength: 1, maxLength: 256 }),
  /** Defaults to digest (RFC 7616) so passwords do not cross the network in the clear. */
  method: withDefault(oneOf(['basic', 'digest'] as const, 'auth method'), 'digest'),
});
export type Credentials = Infer<typeof credentials>;

/** Credentials this node sends to another node's factory (the method is the server's choice). */
const remoteCredentials = obj({
  user: str({ minLength: 1, maxLength: 128 }),
  pass: str({ minLength: 1, maxLength: 256 }),
});

const factoryAuth = obj({
  /** Required to play (DESCRIBE/SETUP/PLAY). Unset: anyone may read. */
  read: optional(credentials),
  /** Required to publish (ANNOUNCE/RECORD). Unset: anyone may publish. */
  publish: optional(credentials),
});
export type FactoryAuth = Infer<typeof factoryAuth>;

const rawFactory = obj({
  rtmpPort: withDefault(port(), 1935),
  rtspPort: withDefault(port(), 8554),
  /** RTMPS (RTMP over TLS, ingest + play) port, usually 1936; 0 = any free port. Unset (default): off. Needs tls.certFile/keyFile. */
  rtmpsPort: optional(port()),
  /** RTSPS (RTSP over TLS, TCP interleaved only) port of Factory 1, usually 8322; 0 = any free port. Unset (default): off. */
  rtspsPort: optional(port()),
  auth: section(factoryAuth),
});
const compressedFactory = obj({
  rtspPort: withDefault(port(), 8555),
  /** RTSPS port of Factory 2, usually 8323; 0 = any free port. Unset (default): off. */
  rtspsPort: optional(port()),
  auth: section(factoryAuth),
});
const factories = obj({ raw: section(rawFactory), compressed: section(compressedFactory) });
export type FactoriesSettings = Infer<typeof factories>;

/** Ports a node listens on, by function. */
const nodePorts = obj({
  rtmp: withDefault(port(), 1935),
  rtspRaw: withDefault(port(), 8554),
  rtspCompressed: withDefault(port(), 8555),
  api: withDefault(port(), 8080),
  /** Its RTMPS port; unset: it serves no RTMPS (or it announces it in GET /api/v1/node). */
  rtmps: optional(port()),
  /** Its RTSPS port of Factory 1; unset: none. */
  rtspsRaw: optional(port()),
  /** Its RTSPS port of Factory 2; unset: none. */
  rtspsCompressed: optional(port()),
});
export type NodePorts = Infer<typeof nodePorts>;

/** Ports as seen from outside through port forwarding / NAT; unset = same as the internal port. */
const publicPorts = obj({
  rtmp: optional(port()),
  rtspRaw: optional(port()),
  rtspCompressed: optional(port()),
  api: optional(port()),
  rtmps: optional(port()),
  rtspsRaw: optional(port()),
  rtspsCompressed: optional(port()),
});
export type PublicPorts = Infer<typeof publicPorts>;

/** Another Cupola node: the peer for URL management, or an upstream to replicate/compress from. */
const remoteNode = obj({
  /** Name used in logs, metrics and the API. */
  id: withDefault(idSegment(), 'peer'),
  role: optional(oneOf(ROLES, 'role')),
  /** Address on the internal network. */
  host: host(),
  /** Address clients outside use (port forwarding / NAT). Unset: no advertised form. */
  advertisedHost: optional(host()),
  ports: section(nodePorts),
  publicPorts: section(publicPorts),
  /** Its API base URL. Defaults to http://host:ports.api. */
  apiUrl: optional(httpUrl()),
  /** Bearer token for its API. Never logged. */
  apiToken: optional(str({ minLength: 1, maxLength: 512 })),
  /**
   * PEM file of the CA (or the self-signed certificate itself) trusted for its HTTPS API, WSS events,
   * RTMPS and RTSPS, besides the system's CAs. Unset: the system's CAs only.
   */
  tlsCaFile: optional(str({ minLength: 1, maxLength: 4096 })),
  /** Accept any certificate from it (no verification: encrypted but not authenticated). Defaults to false. */
  tlsInsecure: withDefault(bool(), false),
  /**
   * Credentials for reading its factories (its `factories.*.auth.read`): sent by replication (RTMP
   * `?user=&pass=`, RTSP Digest) and by the compressor role's RTSP input. Unset: none sent. Never logged.
   */
  readCredentials: optional(remoteCredentials),
  /**
   * Credentials the compressor role pushes to its Factory 2 with (its `factories.compressed.auth.publish`).
   * Unset: user `compressor` with `apiToken` as password when apiToken is set, else none. Never logged.
   */
  pushCredentials: optional(remoteCredentials),
});
export type RemoteNode = Infer<typeof remoteNode>;

const node = obj({
  role: withDefault(oneOf(ROLES, 'role'), 'slave'),
  /** Name shown in the API and logs. Defaults to "cupola". */
  name: withDefault(idSegment(), 'cupola'),
  /** Interface the listeners bind. Defaults to 0.0.0.0 (all). */
  bindHost: withDefault(host(), '0.0.0.0'),
  /**
   * This node's address on the internal network, used in internal URLs. `cupola serve` defaults it
   * to the bound address, or on a wildcard bind to the machine's primary address (first
   * non-loopback IPv4, else the host name; src/config/internal-host.ts). Schema default: 127.0.0.1.
   */
  host: withDefault(host(), '127.0.0.1'),
  /** Address clients outside use (port forwarding / NAT). Unset: no advertised form. */
  advertisedHost: optional(host()),
  publicPorts: section(publicPorts),
  /** The other node of the pair (the slave's master, the master's slave). Master default: first upstream. */
  peer: optional(remoteNode),
  /** Nodes this one pulls from (master: the slave; compressor: the slave). */
  upstreams: withDefault(arr(remoteNode, { maxItems: 64 }), []),
});
export type NodeSettings = Infer<typeof node>;

export const EVENT_TYPES = [
  'stream.up',
  'stream.down',
  'reader.connect',
  'reader.disconnect',
  'urls.changed',
  'camera.changed',
  'compression.state',
  'replication.state',
  'replication.failover',
  'source.state',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const webhook = obj({
  url: httpUrl(),
  /** Only these event types are posted. Defaults to all. */
  events: optional(arr(oneOf(EVENT_TYPES, 'event type'), { maxItems: EVENT_TYPES.length })),
  /** Sent as `Authorization: Bearer <token>`. Never logged. */
  token: optional(str({ minLength: 1, maxLength: 512 })),
  /** HMAC-SHA256 key: requests carry X-Cupola-Timestamp and X-Cupola-Signature (docs/operations.md). Unset: unsigned. Never logged. */
  secret: optional(str({ minLength: 16, maxLength: 512 })),
  /** Per-request timeout (ms). Defaults to 5000. */
  timeoutMs: withDefault(int({ min: 100, max: 60_000 }), 5000),
  /** Attempts per event before it is dropped. Defaults to 6. */
  maxAttempts: withDefault(int({ min: 1, max: 100 }), 6),
});
export type WebhookSettings = Infer<typeof webhook>;

export const METRICS_AUTH_MODES = ['none', 'token'] as const;
export type MetricsAuthMode = (typeof METRICS_AUTH_MODES)[number];

/** `none` | `token`; the booleans of older settings files read as `token` (true) and `none` (false). */
const metricsAuthMode = (): Schema<MetricsAuthMode> => {
  const mode = oneOf(METRICS_AUTH_MODES, 'metrics auth mode');
  return {
    parse: (input, path, ctx) => (input === true ? 'token' : input === false ? 'none' : mode.parse(input, path, ctx)),
  };
};

const apiFields = obj({
  port: withDefault(port(), 8080),
  /** Interface the API binds. Defaults to node.bindHost. */
  bindHost: optional(host()),
  /** Bearer token required by every route except /healthz, /readyz, /metrics (unless metricsAuth) and the dashboard's static files. */
  token: optional(str({ minLength: 8, maxLength: 512 })),
  /**
   * Whether /metrics needs a bearer token: `none` (default: Prometheus scrapes without one) or
   * `token` (api.metricsToken when set, or the API token).
   */
  metricsAuth: withDefault(metricsAuthMode(), 'none'),
  /** A separate bearer token for /metrics only (≥ 8 characters), with metricsAuth `token`. Never logged. */
  metricsToken: optional(str({ minLength: 8, maxLength: 512 })),
  /**
   * Browser origins (`https://ops.example.org`) besides the API's own that may write (POST, PUT,
   * PATCH, DELETE) and open the event WebSocket. Defaults to none: same origin only. Requests
   * without an Origin header (curl, the CLI, other nodes) are not concerned.
   */
  allowedOrigins: withDefault(
    arr(str({ pattern: /^https?:\/\/[^\s/?#]+$/, patternHint: 'an origin such as https://ops.example.org (scheme, host, port; no path)', maxLength: 2048 }), { maxItems: 64 }),
    [],
  ),
  webhooks: withDefault(arr(webhook, { maxItems: 32 }), []),
  /** Directory served at /. Unset: the bundled dashboard (src/dashboard). */
  staticDir: optional(str({ minLength: 1, maxLength: 4096 })),
  /** The API port speaks HTTPS (API, WSS events, /metrics, dashboard) with tls.certFile/keyFile. Defaults to false. */
  https: withDefault(bool(), false),
});

const api = refine(apiFields, (v, path, ctx) => {
  if (v.metricsToken !== undefined && v.metricsAuth !== 'token') {
    return void ctx.add(join(path, 'metricsToken'), 'is set but metricsAuth is "none": set api.metricsAuth to "token" to use it');
  }
  if (v.metricsAuth === 'token' && v.token === undefined && v.metricsToken === undefined) {
    return void ctx.add(join(path, 'metricsAuth'), '"token" needs api.token or api.metricsToken');
  }
  return v;
});
export type ApiSettings = Infer<typeof api>;

const store = obj({
  /** Directory of the embedded JSON store. Defaults to ./data. */
  dataDir: withDefault(str({ minLength: 1, maxLength: 4096 }), 'data'),
  /** When set, MongoDB holds the catalog instead of the embedded file. Never logged with its password. */
  mongoUrl: optional(str({ pattern: /^mongodb(\+srv)?:\/\/\S+$/, patternHint: 'a mongodb:// or mongodb+srv:// URL', maxLength: 4096 })),
  mongoDatabase: withDefault(idSegment(), 'cupola'),
});
export type StoreSettings = Infer<typeof store>;

/** Protocol timeouts and per-listener caps, the same for every listener of this node. */
const limits = obj({
  /** Time an RTMP client has to finish the handshake (ms). Defaults to 10000. */
  rtmpHandshakeTimeoutMs: withDefault(int({ min: 500, max: 120_000 }), 10_000),
  /** An RTMP connection with no traffic either way for this long is closed (ms). Defaults to 30000. */
  rtmpIdleTimeoutMs: withDefault(int({ min: 1000, max: 3_600_000 }), 30_000),
  /** RTSP session timeout announced in SETUP and enforced (s). Defaults to 60. */
  rtspSessionTimeoutSec: withDefault(int({ min: 5, max: 3600 }), 60),
  /**
   * An RTSP Digest nonce is accepted this long after its challenge, on the connection that got it (s);
   * then the client gets 401 with stale=true and answers a fresh nonce. Defaults to 60.
   */
  rtspDigestNonceLifetimeSec: withDefault(int({ min: 5, max: 3600 }), 60),
  /** Largest RTP payload the RTSP listeners send (bytes). Defaults to 1400. */
  rtpMtu: withDefault(int({ min: 200, max: 65_000 }), 1400),
  /** Simultaneous connections per listener. Defaults to 4096. */
  maxConnections: withDefault(int({ min: 1, max: 1_000_000 }), 4096),
  /**
   * Connections per listener from one IPv4 address (or IPv6 /64). A site whose cameras all reach us
   * through one NAT address needs at least its camera count here. Defaults to 256.
   */
  maxConnectionsPerIp: withDefault(int({ min: 1, max: 1_000_000 }), 256),
  /**
   * Connections per listener not yet authorised (RTMP before an accepted publish/play, RTSP before
   * a session); a new connection past it closes the oldest such one. Unset: half of maxConnections.
   */
  maxUnauthorisedConnections: optional(int({ min: 1, max: 1_000_000 })),
  /** Time a new connection has for its first complete request: RTSP's first request, RTMP's handshake + `connect` (ms). Defaults to 5000. */
  firstRequestTimeoutMs: withDefault(int({ min: 100, max: 120_000 }), 5000),
  /** Time a new connection has to be authorised: an accepted RTMP publish/play, an RTSP session (SETUP) (ms). Defaults to 10000. */
  authoriseTimeoutMs: withDefault(int({ min: 100, max: 600_000 }), 10_000),
  /** Input all connections' parsers may hold together (partial messages, unparsed bytes); past it the largest holders are closed (bytes). Defaults to 256 MiB. */
  maxInputBytes: withDefault(int({ min: 1024 * 1024, max: 64 * 1024 * 1024 * 1024 }), 256 * 1024 * 1024),
  /** Input one authorised connection's parser may hold (bytes). Defaults to 16 MiB. */
  maxConnectionInputBytes: withDefault(int({ min: 64 * 1024, max: 1024 * 1024 * 1024 }), 16 * 1024 * 1024),
  /** Input one connection may hold before it is authorised (handshake, partial messages, RTSP headers/body) (bytes). Defaults to 256 KiB. */
  maxUnauthorisedInputBytes: withDefault(int({ min: 16 * 1024, max: 64 * 1024 * 1024 }), 256 * 1024),
  /**
   * Output waiting for all readers' sockets together; while over it, readers above an equal share
   * drop frames to the next keyframe (and are evicted after readerMaxDroppingMs) (bytes). Defaults to 512 MiB.
   */
  maxOutputBytes: withDefault(int({ min: 1024 * 1024, max: 64 * 1024 * 1024 * 1024 }), 512 * 1024 * 1024),
  /**
   * Bytes one stream's GOP cache (the frames since its last keyframe, so a new reader's first
   * picture comes at once) may hold; a longer GOP is not cached. 0 turns the cache off: readers
   * start at the next keyframe. Defaults to 16 MiB.
   */
  gopCacheBytes: withDefault(int({ min: 0, max: 1024 * 1024 * 1024 }), 16 * 1024 * 1024),
  /**
   * Bytes all GOP caches of the node may hold together (the streams' and their outputs'); a cache
   * that would pass it lets its GOP go until its stream's next keyframe. Defaults to 512 MiB.
   */
  maxGopCacheBytes: withDefault(int({ min: 0, max: 64 * 1024 * 1024 * 1024 }), 512 * 1024 * 1024),
  /** Bytes a reader may have waiting in its socket before its frames are dropped to the next keyframe. Defaults to 4 MiB. */
  readerMaxPendingBytes: withDefault(int({ min: 64 * 1024, max: 1024 * 1024 * 1024 }), 4 * 1024 * 1024),
  /** A reader still dropping after this long is disconnected (ms). Defaults to 10000. */
  readerMaxDroppingMs: withDefault(int({ min: 100, max: 600_000 }), 10_000),
  /** A stream whose publisher left is kept this long for its readers (a republish resumes them) (ms). Defaults to 15000. */
  unpublishedGraceMs: withDefault(int({ min: 0, max: 600_000 }), 15_000),
});
export type LimitsSettings = Infer<typeof limits>;

/** What a hook runs on; see docs/operations.md for the event each one follows and its variables. */
export const HOOK_EVENTS = [
  'stream.ready',
  'stream.notReady',
  'reader.connect',
  'reader.disconnect',
  'compression.state',
  'replication.failover',
  'replication.handback',
  'source.failed',
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

/** Arguments of one hook command; argv[0] is the program (looked up in PATH), no shell. */
export const MAX_HOOK_ARGS = 256;
const hookInput = obj({
  /** Shown in the log as `hook: <name>` and passed as CUPOLA_HOOK. Unique. */
  name: idSegment(),
  on: oneOf(HOOK_EVENTS, 'hook event'),
  /** argv, run without a shell: ["ffmpeg", "-i", "..."]; for shell syntax use ["sh", "-c", "..."]. */
  command: arr(str({ minLength: 1, maxLength: 4096 }), { maxItems: MAX_HOOK_ARGS }),
  /** Only events of this factory. Unset: both (events without a factory always match). */
  factory: optional(oneOf(['raw', 'compressed'] as const, 'factory')),
  /** Only these camera paths; `*` matches within one segment, `**` anything: ["site1/*"]. Unset: all. */
  paths: optional(arr(str({ minLength: 1, maxLength: 256 }), { maxItems: 64 })),
  /** stream.ready hooks only: start the command again when it exits while the stream is up. Defaults to true. */
  restart: withDefault(bool(), true),
  /**
   * Time a command has between SIGTERM and SIGKILL of its process group (ms). Defaults to 5000. At most
   * 10000, so every hook is gone within the node's 15 s shutdown bound.
   */
  killGraceMs: withDefault(int({ min: 100, max: 10_000 }), 5000),
  /** Hooks other than stream.ready: the command is killed after this long (ms). Defaults to 60000. */
  timeoutMs: withDefault(int({ min: 100, max: 86_400_000 }), 60_000),
  /** First restart delay (ms); doubles per quick exit up to backoffMaxMs, +-20 % jitter. Defaults to 1000. */
  backoffInitialMs: withDefault(int({ min: 10, max: 600_000 }), 1000),
  /** Upper bound of the restart delay (ms). Defaults to 30000. */
  backoffMaxMs: withDefault(int({ min: 10, max: 3_600_000 }), 30_000),
});
const hook = refine(hookInput, (h, path, ctx) => {
  if (h.command.length === 0) return void ctx.add(join(path, 'command'), 'needs at least the program: ["/usr/local/bin/record", "..."]');
  return h;
});
export type HookSettings = Infer<typeof hookInput>;
const hooks = refine(arr(hook, { maxItems: 64 }), (list, path, ctx) => {
  const seen = new Set<string>();
  for (const [i, h] of list.entries()) {
    if (seen.has(h.name)) return void ctx.add(join(join(path, i), 'name'), `hook name "${h.name}" is used twice`);
    seen.add(h.name);
  }
  return list;
});
/** What a listener that cannot bind does: the node keeps serving on the others and retries it. */
const listeners = obj({
  /** First delay before binding a listener again after a failed bind (ms); doubles per failure up to retryMaxMs, with jitter. Defaults to 500. */
  retryInitialMs: withDefault(int({ min: 10, max: 600_000 }), 500),
  /** Upper bound of that delay (ms). Defaults to 10000. */
  retryMaxMs: withDefault(int({ min: 10, max: 3_600_000 }), 10_000),
});
export type ListenersSettings = Infer<typeof listeners>;

/** How the master follows its upstream slave(s). */
const replication = obj({
  /** A pulled stream that sends no media for this long is dropped and reconnected (ms). Defaults to 5000. */
  stallMs: withDefault(int({ min: 500, max: 600_000 }), 5000),
  /** Time a connect to the upstream may take (ms). Defaults to 5000. */
  connectTimeoutMs: withDefault(int({ min: 100, max: 120_000 }), 5000),
  /** First reconnect delay (ms); it doubles per failure up to backoffMaxMs, with jitter. Defaults to 500. */
  backoffInitialMs: withDefault(int({ min: 10, max: 600_000 }), 500),
  /** Upper bound of the reconnect delay (ms). Defaults to 10000. */
  backoffMaxMs: withDefault(int({ min: 10, max: 3_600_000 }), 10_000),
  /** Period of the upstream API poll (ms); events trigger earlier polls. Defaults to 1000. */
  pollIntervalMs: withDefault(int({ min: 100, max: 600_000 }), 1000),
  /**
   * How long a camera's compressed stream from the slave may be missing, while its raw stream is live
   * on the master, before the master compresses the camera itself (ms). Defaults to 10000.
   */
  failoverAfterMs: withDefault(int({ min: 0, max: 3_600_000 }), 10_000),
});
export type ReplicationSettings = Infer<typeof replication>;

const stunUrl = (): Schema<string> =>
  str({ pattern: /^stuns?:[A-Za-z0-9.:[\]_-]{1,253}(:\d{1,5})?$/, patternHint: 'a STUN URL such as stun:stun.example.org:3478', maxLength: 300 });
const ipAddress = (): Schema<string> =>
  str({ pattern: /^(\d{1,3}(\.\d{1,3}){3}|[0-9A-Fa-f:]{2,39})$/, patternHint: 'an IPv4 or IPv6 address (ICE candidates carry addresses, not names)' });

/** WebRTC playback (WHEP) on the API port: ICE and limits. */
const webrtcFields = obj({
  /** Serve /whep/<factory>/<site>/<camera>. Defaults to true. */
  enabled: withDefault(bool(), true),
  /**
   * First UDP port of the range WHEP sessions take their socket from (one port per session and
   * host address: werift 0.22 has no single-port mux); the range is udpPort..udpPort+maxSessions-1
   * when udpPortCount is unset. 0 (the default): ports chosen by the OS.
   */
  udpPort: withDefault(int({ min: 0, max: 65535 }), 0),
  /** Size of the UDP port range from udpPort. Unset: webrtc.maxSessions (at least 2). */
  udpPortCount: optional(int({ min: 2, max: 65535 })),
  /**
   * Addresses host candidates are gathered on. Unset: the API's bind address, or on a wildcard
   * bind every IPv4 address of the machine (loopback included).
   */
  iceHosts: optional(arr(ipAddress(), { maxItems: 16 })),
  /**
   * Extra addresses announced as host candidates with the same UDP port as a local one: the
   * public address of a 1:1 NAT or a port forwarding that keeps ports. Defaults to none.
   */
  advertisedHosts: withDefault(arr(ipAddress(), { maxItems: 16 }), []),
  /** STUN servers for server-reflexive candidates (`stun:host:port`). Defaults to none (LAN use). */
  stunServers: withDefault(arr(stunUrl(), { maxItems: 8 }), []),
  /** WHEP sessions at once on this node; one more gets 503. Defaults to 64. */
  maxSessions: withDefault(int({ min: 1, max: 10_000 }), 64),
});
const webrtc = refine(webrtcFields, (v, path, ctx) => {
  const count = v.udpPortCount ?? Math.max(2, v.maxSessions);
  if (v.udpPort !== 0 && v.udpPort + count - 1 > 65535) {
    return void ctx.add(join(path, 'udpPort'), `range ${v.udpPort}..${v.udpPort + count - 1} passes 65535: lower udpPort or udpPortCount`);
  }
  return v;
});
export type WebrtcSettings = Infer<typeof webrtc>;
/** LL-HLS browser playback (served by the API under /hls/<factory>/<site>/<camera>/index.m3u8). */
const hls = obj({
  /** Serve LL-HLS for both factories. Defaults to true. */
  enabled: withDefault(bool(), true),
  /** Part target duration (ms): a part closes at the first frame boundary at or after it. Defaults to 200. */
  partMs: withDefault(int({ min: 50, max: 2000 }), 200),
  /** Segment target duration (ms): whole GOPs when the GOP is shorter, else split at a part boundary. Defaults to 1000. */
  segmentMs: withDefault(int({ min: 250, max: 10_000 }), 1000),
  /** Complete segments held in memory per stream (the playlist's window). Defaults to 7. */
  windowSegments: withDefault(int({ min: 2, max: 60 }), 7),
  /** A stream's muxer stops after this long without an HLS request (ms). Defaults to 30000. */
  idleStopMs: withDefault(int({ min: 1000, max: 3_600_000 }), 30_000),
});
export type HlsSettings = Infer<typeof hls>;

/** How cameras with a `source` URL are pulled into Factory 1 (src/sources). */
const sources = obj({
  /** A live source that sends no media for this long is marked stalled and reconnected (ms). Defaults to 5000. */
  stallMs: withDefault(int({ min: 500, max: 600_000 }), 5000),
  /** Time from connecting to the first frame before the attempt counts as failed (ms). Defaults to 10000. */
  connectTimeoutMs: withDefault(int({ min: 100, max: 120_000 }), 10_000),
  /** First reconnect delay (ms); it doubles per failure up to backoffMaxMs, minus up to 20 % jitter. Defaults to 1000. */
  backoffInitialMs: withDefault(int({ min: 10, max: 600_000 }), 1000),
  /** Upper bound of the reconnect delay (ms). Defaults to 30000. */
  backoffMaxMs: withDefault(int({ min: 10, max: 3_600_000 }), 30_000),
  /** sourceTransport auto: no RTP over UDP for this long after PLAY switches the camera to TCP (ms). Defaults to 3000. */
  udpFallbackMs: withDefault(int({ min: 100, max: 60_000 }), 3000),
  /** sourceOnDemand: how long the first reader is held waiting for the source's first keyframe (ms); keep it below limits.authoriseTimeoutMs, which closes a connection that has no session yet. Defaults to 8000. */
  onDemandStartTimeoutMs: withDefault(int({ min: 100, max: 120_000 }), 8000),
  /** sourceOnDemand: the pull is closed this long after its last reader left (ms). Defaults to 10000. */
  onDemandCloseAfterMs: withDefault(int({ min: 0, max: 3_600_000 }), 10_000),
  /**
   * Master: while the slave that pulls a camera is unreachable, the master pulls the camera's source
   * itself (the catalog must be shared, e.g. MongoDB), and hands it back when the slave returns.
   * Defaults to false.
   */
  failover: withDefault(bool(), false),
  /** Master, failover on: how long the slave must be unreachable before the master pulls (ms). Defaults to 10000. */
  failoverAfterMs: withDefault(int({ min: 0, max: 3_600_000 }), 10_000),
});
export type SourcesSettings = Infer<typeof sources>;

/** The certificate of every TLS listener (RTMPS, RTSPS, HTTPS); reloaded when the files change. */
const tlsSettings = obj({
  /** PEM certificate (leaf first, then intermediates). Unset (default): no TLS listener may be on. */
  certFile: optional(str({ minLength: 1, maxLength: 4096 })),
  /** PEM private key of that certificate (unencrypted). */
  keyFile: optional(str({ minLength: 1, maxLength: 4096 })),
  /** How often both files are checked for a renewal (ms); a changed pair is used without a restart. Defaults to 2000. */
  watchIntervalMs: withDefault(int({ min: 100, max: 3_600_000 }), 2000),
});
export type TlsSettings = Infer<typeof tlsSettings>;

/** Addresses and CIDR ranges (`10.0.0.0/8`, `192.168.1.7`, `fd00::/8`) per action. */
const ipEntry = (): Schema<string> =>
  refine(str({ minLength: 2, maxLength: 64 }), (v, path, ctx) => {
    try {
      addIpEntry(new BlockList(), v);
      return v;
    } catch (err) {
      return void ctx.add(path, (err as Error).message);
    }
  });
const ipLists = obj({
  publish: withDefault(arr(ipEntry(), { maxItems: 1024 }), []),
  read: withDefault(arr(ipEntry(), { maxItems: 1024 }), []),
  api: withDefault(arr(ipEntry(), { maxItems: 1024 }), []),
});

export const AUTH_METHODS = ['internal', 'http', 'jwt'] as const;

const authFields = obj({
  /**
   * Who decides publish, read (RTMP, RTSP) and API access: `internal` (this node's own checks:
   * publish keys, factory credentials, api.token), `http` (the operator's auth service at
   * auth.http.url) or `jwt` (signed tokens, auth.jwt). Defaults to internal.
   */
  method: withDefault(oneOf(AUTH_METHODS, 'auth method'), 'internal'),
  http: section(
    obj({
      /** URL the access requests are POSTed to (method http). */
      url: optional(httpUrl()),
      /** An auth service slower than this is a refusal (fail closed) (ms). Defaults to 2000. */
      timeoutMs: withDefault(int({ min: 50, max: 60_000 }), 2000),
      /** How long an allow or deny is reused for the same request (ms); 0 = never. Defaults to 5000. */
      cacheMs: withDefault(int({ min: 0, max: 3_600_000 }), 5000),
      /** Verdicts cached at most. Defaults to 10000. */
      cacheMaxEntries: withDefault(int({ min: 1, max: 1_000_000 }), 10_000),
    }),
  ),
  jwt: section(
    obj({
      /** JWKS URL of the token issuer (method jwt). */
      jwksUrl: optional(httpUrl()),
      /** A PEM public key (RSA or EC) instead of, or besides, a JWKS. Never logged. */
      key: optional(str({ pattern: /-----BEGIN PUBLIC KEY-----/, patternHint: 'a PEM public key (-----BEGIN PUBLIC KEY-----)', maxLength: 16_384 })),
      /** An HMAC secret for HS256/384/512 tokens (at least 32 characters). Never logged. */
      secret: optional(str({ minLength: 32, maxLength: 1024 })),
      /** Claim listing the permissions: `[{ action, path? }]`. Defaults to cupola_permissions. */
      claim: withDefault(str({ pattern: /^[A-Za-z0-9_:.-]{1,128}$/, patternHint: 'a claim name' }), 'cupola_permissions'),
      /** Required `iss` when set. */
      issuer: optional(str({ minLength: 1, maxLength: 2048 })),
      /** Required in `aud` when set. */
      audience: optional(str({ minLength: 1, maxLength: 2048 })),
      /** Tolerance on exp and nbf (s). Defaults to 30. */
      clockSkewSec: withDefault(int({ min: 0, max: 3600 }), 30),
      /** JWKS fetch timeout (ms). Defaults to 5000. */
      jwksTimeoutMs: withDefault(int({ min: 100, max: 60_000 }), 5000),
      /** The JWKS is fetched again after this long (ms). Defaults to 600000 (10 min). */
      jwksMaxAgeMs: withDefault(int({ min: 1000, max: 86_400_000 }), 600_000),
      /** A token with an unknown kid refetches the JWKS at most this often (ms). Defaults to 10000. */
      jwksMinRefreshMs: withDefault(int({ min: 0, max: 3_600_000 }), 10_000),
    }),
  ),
  /** Per action (`publish`, `read`, `api`): only these addresses may try. Empty (default): any. */
  ipAllow: section(ipLists),
  /** Per action: these addresses are refused (before any credentials). Empty (default): none. */
  ipDeny: section(ipLists),
});

const auth = refine(authFields, (v, path, ctx) => {
  if (v.method === 'http' && v.http.url === undefined) return void ctx.add(join(path, 'http.url'), 'is required with auth.method "http" (--auth-http-url)');
  if (v.method === 'jwt' && v.jwt.jwksUrl === undefined && v.jwt.key === undefined && v.jwt.secret === undefined) {
    return void ctx.add(join(path, 'jwt'), 'auth.method "jwt" needs jwt.jwksUrl (--auth-jwks-url), jwt.key or jwt.secret');
  }
  if (v.jwt.key !== undefined) {
    try {
      createPublicKey(v.jwt.key);
    } catch (err) {
      return void ctx.add(join(path, 'jwt.key'), `is not a usable public key: ${(err as Error).message}`);
    }
  }
  return v;
});
export type AuthSettings = Infer<typeof auth>;

const settingsFields = obj({
  node: section(node),
  factories: section(factories),
  api: withDefault(api, parseOrThrow(api, {})),
  auth: withDefault(auth, parseOrThrow(auth, {})),
  store: section(store),
  replication: section(replication),
  sources: section(sources),
  hls: section(hls),
  limits: section(limits),
  /** Commands run on events (stream ready, readers, compression, failover). Defaults to none. */
  hooks: withDefault(hooks, []),
  listeners: section(listeners),
  webrtc: withDefault(webrtc, parseOrThrow(webrtc, {})),
  cameras: section(
    obj({
      /**
       * Unknown cameras that publish to Factory 1 (RTMP or RTSP RECORD) are registered under their site
       * (created if missing). Unset (the default): on only while no camera has a publish key, no
       * factory has read or publish credentials and auth.method is internal (checked at each
       * publish); an explicit true is logged as a warning at start-up.
       */
      autoRegister: optional(bool()),
      /** Cameras auto-registration may create per process run; later unknown cameras are refused. Defaults to 64. */
      autoRegisterMax: withDefault(int({ min: 0, max: 100_000 }), 64),
      /**
       * Cameras without their own `alwaysAvailable` keep their readers while offline: RTSP/RTMP readers
       * receive a "camera offline" placeholder (encoded with the bundled ffmpeg at the camera's last
       * codec and resolution) instead of being closed after limits.unpublishedGraceMs, and move back
       * to the camera at its first keyframe. Defaults to false.
       */
      alwaysAvailable: withDefault(bool(), false),
      /**
       * TrueType font of the placeholder's text (ffmpeg drawtext). When the file is missing the
       * placeholder is a plain dark picture. Defaults to /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
       * (Debian's fonts-dejavu-core).
       */
      placeholderFontFile: withDefault(str({ minLength: 1, maxLength: 4096 }), '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'),
    }),
  ),
  compression: section(
    obj({
      /**
       * Compress every enabled catalog camera (roles slave and master-takeover); cameras not in the
       * catalog only when auto-registration is on. Defaults to true.
       */
      enabled: withDefault(bool(), true),
      /**
       * ffmpeg encoders running at once on this node (workers); cameras over the cap wait in state
       * `queued` and start when a slot frees. Defaults to the CPU count (os.availableParallelism()), at least 1.
       */
      maxWorkers: optional(int({ min: 1, max: 4096 })),
      /** Profile of cameras without their own. Defaults to "default". */
      defaultProfile: withDefault(idSegment(), 'default'),
      /** No ffmpeg output (pipe bytes or progress) for this long restarts it (ms). Defaults to 10000. */
      stallTimeoutMs: withDefault(int({ min: 1000, max: 600_000 }), 10_000),
      /** First ffmpeg restart delay (ms); doubles per failure up to backoffMaxMs, +-20 % jitter. Defaults to 500. */
      backoffInitialMs: withDefault(int({ min: 10, max: 600_000 }), 500),
      /** Upper bound of the restart delay (ms). Defaults to 30000. */
      backoffMaxMs: withDefault(int({ min: 10, max: 3_600_000 }), 30_000),
    }),
  ),
  tls: section(tlsSettings),
});

/** True when this node serves anything over TLS. */
export function tlsWanted(s: Pick<Infer<typeof settingsFields>, 'factories' | 'api'>): boolean {
  return s.factories.raw.rtmpsPort !== undefined || s.factories.raw.rtspsPort !== undefined || s.factories.compressed.rtspsPort !== undefined || s.api.https;
}

export const settingsSchema = refine(settingsFields, (v, path, ctx) => {
  if (tlsWanted(v)) {
    // Name the first TLS listener asked for, so the message says why a certificate is needed.
    const what =
      v.api.https ? 'api.https' : v.factories.raw.rtmpsPort !== undefined ? 'factories.raw.rtmpsPort' : v.factories.raw.rtspsPort !== undefined ? 'factories.raw.rtspsPort' : 'factories.compressed.rtspsPort';
    if (v.tls.certFile === undefined) return void ctx.add(join(path, 'tls.certFile'), `is required by ${what} (--tls-cert FILE)`);
    if (v.tls.keyFile === undefined) return void ctx.add(join(path, 'tls.keyFile'), `is required by ${what} (--tls-key FILE)`);
  } else if ((v.tls.certFile === undefined) !== (v.tls.keyFile === undefined)) {
    return void ctx.add(join(path, v.tls.certFile === undefined ? 'tls.certFile' : 'tls.keyFile'), 'tls.certFile and tls.keyFile go together');
  }
  return v;
});
export type Settings = Infer<typeof settingsSchema>;

/** Validates raw settings (already merged) or throws ConfigValidationError naming each field. */
export function parseSettings(raw: unknown, source = 'settings'): Settings {
  return parseOrThrow(settingsSchema, raw, source);
}

export const DEFAULT_SETTINGS: Settings = parseSettings({});

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep-merges raw layers (file, then env, then flags): objects merge, anything else replaces. */
export function mergeRaw(...layers: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!isPlainObject(layer)) continue;
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      const prev = out[k];
      out[k] = isPlainObject(prev) && isPlainObject(v) ? mergeRaw(prev, v) : v;
    }
  }
  return out;
}

// `cameras` is in both (the catalog's camera list, the settings' cameras.autoRegister): it decides nothing.
const CATALOG_KEYS = ['version', 'sites', 'profiles'];
const SETTINGS_KEYS = Object.keys(settingsFields.shape).filter((k) => k !== 'cameras');

/**
 * Which kind of Cupola file a parsed JSON document looks like: the catalog (the embedded store's
 * DATA_DIR/config.json), node settings (--config), or neither. Only top-level keys are looked at.
 */
export function fileKind(doc: unknown): 'catalog' | 'settings' | 'unknown' {
  if (!isPlainObject(doc)) return 'unknown';
  const keys = Object.keys(doc);
  const catalog = keys.filter((k) => CATALOG_KEYS.includes(k)).length;
  const settings = keys.filter((k) => SETTINGS_KEYS.includes(k)).length;
  if (catalog > 0 && settings === 0) return 'catalog';
  if (settings > 0 && catalog === 0) return 'settings';
  return 'unknown';
}

/**
 * Reads a JSON settings file; the error names the file and the problem, and says so when the file
 * is the catalog instead (a common mix-up: both are JSON, both are "config").
 */
export async function readSettingsFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read settings file ${path}: ${(err as Error).message}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`settings file ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (fileKind(doc) === 'catalog') {
    throw new Error(
      `${path} is a catalog file (version, sites, cameras, profiles: what the embedded store keeps in DATA_DIR/config.json), ` +
        'but --config / CUPOLA_CONFIG expects a node settings file (node, factories, api, store, replication, limits, cameras, ' +
        'compression; see docs/configuration.md). Leave the catalog in --data-dir and drop --config, or write a settings file.',
    );
  }
  return doc;
}
