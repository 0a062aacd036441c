import { Option, type Command } from 'commander';
import { isLogLevel, type LogLevel } from '../log/logger.ts';

export const ROLES = ['slave', 'master', 'compressor'] as const;
export type Role = (typeof ROLES)[number];

/** The validated options of `cupola serve`: flags, then CUPOLA_* environment, then defaults. */
export interface ServeOptions {
  readonly role: Role;
  /** Address the listeners bind. */
  readonly host: string;
  /** Host name put in advertised URLs (port forwarding / NAT). Unset: advertised URLs are null. */
  readonly advertiseHost: string | undefined;
  readonly rtmpPort: number;
  readonly rtspPort: number;
  readonly compressedRtspPort: number;
  readonly apiPort: number;
  /** RTMPS port (0 = any free port); undefined: off. */
  readonly rtmpsPort: number | undefined;
  /** RTSPS port of Factory 1 (0 = any free port); undefined: off. */
  readonly rtspsPort: number | undefined;
  /** RTSPS port of Factory 2 (0 = any free port); undefined: off. */
  readonly compressedRtspsPort: number | undefined;
  /** PEM certificate and key of every TLS listener. */
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  /** The API port speaks HTTPS. */
  readonly https: boolean;
  readonly dataDir: string;
  readonly config: string | undefined;
  readonly mongoUrl: string | undefined;
  readonly upstream: readonly string[];
  /** API URL of the other node of the pair (the slave's master), for URL management. */
  readonly peer: string | undefined;
  /** CA (or self-signed certificate) trusted for the upstreams' and peer's HTTPS, WSS, RTMPS, RTSPS. */
  readonly upstreamTlsCa: string | undefined;
  /** Do not verify the upstreams' and peer's certificates. */
  readonly upstreamTlsInsecure: boolean;
  readonly compress: boolean;
  /** Master: compress a camera itself after its compressed feed from the slave is missing this long (ms). */
  readonly failoverAfterMs: number | undefined;
  readonly logLevel: LogLevel;
  readonly apiToken: string | undefined;
  /**
   * Accept a catalog that lost whole collections (a config.json replaced by `{}`, emptied MongoDB
   * collections) instead of refusing to start; a one-off start-up action, not a setting.
   */
  readonly resetCatalog: boolean;
  /** Bearer token of the upstream API(s); a compressor also pushes to the upstream's Factory 2 with it. */
  readonly upstreamToken: string | undefined;
  /** Options given on the command line or through CUPOLA_* (the rest are defaults a settings file may override). */
  readonly explicit: ReadonlySet<keyof ServeOptions>;
}

interface FlagSpec {
  readonly flags: string;
  readonly env: string;
  readonly description: string;
  readonly defaultValue?: string | boolean;
  readonly choices?: readonly string[];
}

/** Every serve flag with its environment variable; docs/configuration.md lists the same table. */
export const SERVE_FLAGS: readonly FlagSpec[] = [
  { flags: '--role <role>', env: 'CUPOLA_ROLE', description: 'what this node runs', defaultValue: 'slave', choices: ROLES },
  { flags: '--host <addr>', env: 'CUPOLA_HOST', description: 'address every listener binds', defaultValue: '0.0.0.0' },
  { flags: '--advertise-host <host>', env: 'CUPOLA_ADVERTISE_HOST', description: 'host name or address clients outside use (port forwarding / NAT); default: none, no advertised URLs' },
  { flags: '--rtmp-port <port>', env: 'CUPOLA_RTMP_PORT', description: 'RTMP ingest + play (Factory 1); 0 = any free port', defaultValue: '1935' },
  { flags: '--rtsp-port <port>', env: 'CUPOLA_RTSP_PORT', description: 'RTSP raw (Factory 1); 0 = any free port', defaultValue: '8554' },
  { flags: '--compressed-rtsp-port <port>', env: 'CUPOLA_COMPRESSED_RTSP_PORT', description: 'RTSP compressed (Factory 2); 0 = any free port', defaultValue: '8555' },
  { flags: '--api-port <port>', env: 'CUPOLA_API_PORT', description: 'HTTP API, events, /metrics, dashboard; 0 = any free port', defaultValue: '8080' },
  { flags: '--rtmps-port <port>', env: 'CUPOLA_RTMPS_PORT', description: 'RTMPS ingest + play (Factory 1, usually 1936); 0 = any free port; unset = off; needs --tls-cert/--tls-key' },
  { flags: '--rtsps-port <port>', env: 'CUPOLA_RTSPS_PORT', description: 'RTSPS raw (Factory 1, TCP interleaved only, usually 8322); 0 = any free port; unset = off' },
  { flags: '--compressed-rtsps-port <port>', env: 'CUPOLA_COMPRESSED_RTSPS_PORT', description: 'RTSPS compressed (Factory 2, usually 8323); 0 = any free port; unset = off' },
  { flags: '--https', env: 'CUPOLA_HTTPS', description: 'the API port speaks HTTPS (API, WSS events, /metrics, dashboard); needs --tls-cert/--tls-key' },
  { flags: '--tls-cert <file>', env: 'CUPOLA_TLS_CERT', description: 'PEM certificate (chain) of every TLS listener; reloaded when the file changes' },
  { flags: '--tls-key <file>', env: 'CUPOLA_TLS_KEY', description: 'PEM private key of --tls-cert; reloaded when the file changes' },
  { flags: '--data-dir <dir>', env: 'CUPOLA_DATA_DIR', description: 'directory of the embedded config store', defaultValue: './data' },
  { flags: '--config <file>', env: 'CUPOLA_CONFIG', description: 'JSON node settings file (factories auth, public ports, peer, webhooks...; not the catalog, which lives in the data dir); flags and env override it' },
  { flags: '--mongo-url <url>', env: 'CUPOLA_MONGO_URL', description: 'MongoDB connection string; replaces the embedded store' },
  { flags: '--upstream <url...>', env: 'CUPOLA_UPSTREAM', description: 'API URL of the slave(s) to follow (master, compressor); env: comma-separated' },
  { flags: '--peer <url>', env: 'CUPOLA_PEER', description: "API URL of the other node of the pair (a slave's master): its live streams and ports feed URL management (master default: the first upstream)" },
  { flags: '--upstream-tls-ca <file>', env: 'CUPOLA_UPSTREAM_TLS_CA', description: "PEM CA (or the slave's self-signed certificate) trusted for the upstreams' and peer's HTTPS API, WSS events, RTMPS and RTSPS" },
  { flags: '--upstream-tls-insecure', env: 'CUPOLA_UPSTREAM_TLS_INSECURE', description: "do not verify the upstreams' and peer's TLS certificates (encrypted, not authenticated)" },
  { flags: '--no-compress', env: 'CUPOLA_NO_COMPRESS', description: 'do not run compression workers on this slave (3-machine layout)' },
  { flags: '--failover-after <ms>', env: 'CUPOLA_FAILOVER_AFTER', description: 'master: compress a camera itself once its compressed stream from the slave is missing this long (default 10000)' },
  { flags: '--reset-catalog', env: 'CUPOLA_RESET_CATALOG', description: 'accept a catalog that lost its sites, cameras or profiles (config.json emptied, MongoDB collections dropped) instead of refusing to start; it becomes the new last good catalog' },
  { flags: '--api-token <token>', env: 'CUPOLA_API_TOKEN', description: 'bearer token required by the HTTP API (default: none)' },
  { flags: '--upstream-token <token>', env: 'CUPOLA_UPSTREAM_TOKEN', description: "the upstream slave's API token (master, compressor); a compressor also pushes to the slave's Factory 2 with it" },
  { flags: '--log-level <level>', env: 'CUPOLA_LOG_LEVEL', description: 'least severe level logged', defaultValue: 'info', choices: ['debug', 'info', 'warn', 'error', 'silent'] },
];

export function addServeFlags(cmd: Command): Command {
  for (const f of SERVE_FLAGS) {
    // Choices are listed, not enforced by commander: resolveServeOptions refuses a bad value in one
    // line (exit 2) for a flag and a variable alike, where commander would print the whole help.
    const choices = f.choices ? ` (${f.choices.join(', ')})` : '';
    const opt = new Option(f.flags, `${f.description}${choices} [env ${f.env}]`);
    if (f.defaultValue !== undefined && typeof f.defaultValue === 'string') opt.default(f.defaultValue);
    cmd.addOption(opt);
  }
  return cmd;
}

function parsePort(name: string, raw: unknown): number {
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name}: "${String(raw)}" is not a port number (0-65535)`);
  return n;
}

function optionalPort(name: string, raw: string | undefined): number | undefined {
  return raw === undefined ? undefined : parsePort(name, raw);
}

function parseMillis(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 3_600_000) throw new Error(`${name}: "${raw}" is not a duration in milliseconds (0-3600000)`);
  return n;
}

/**
 * Merges parsed flags with the environment: a flag given on the command line wins, then CUPOLA_*,
 * then the default. `sources` tells which options came from the command line.
 */
export function resolveServeOptions(
  flags: Record<string, unknown>,
  fromCli: (key: string) => boolean,
  env: NodeJS.ProcessEnv = process.env,
): ServeOptions {
  const explicit = new Set<keyof ServeOptions>();
  const pick = (key: keyof ServeOptions, envName: string): unknown => {
    if (fromCli(key)) {
      explicit.add(key);
      return flags[key];
    }
    const e = env[envName];
    if (e !== undefined && e !== '') {
      explicit.add(key);
      return e;
    }
    return flags[key];
  };
  const role = String(pick('role', 'CUPOLA_ROLE'));
  if (!(ROLES as readonly string[]).includes(role)) throw new Error(`--role: "${role}" is not one of ${ROLES.join(', ')}`);
  const logLevel = String(pick('logLevel', 'CUPOLA_LOG_LEVEL'));
  if (!isLogLevel(logLevel)) throw new Error(`--log-level: "${logLevel}" is not a log level`);
  const upstreamRaw = pick('upstream', 'CUPOLA_UPSTREAM');
  const upstream = Array.isArray(upstreamRaw)
    ? upstreamRaw.map(String)
    : typeof upstreamRaw === 'string'
      ? upstreamRaw.split(',').map((s) => s.trim()).filter(Boolean)
      : [];
  for (const u of upstream) {
    try {
      const url = new URL(u);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    } catch {
      throw new Error(`--upstream: "${u}" is not an http:// URL of a Cupola API`);
    }
  }
  const peerRaw = pick('peer', 'CUPOLA_PEER');
  const peer = peerRaw === undefined || peerRaw === '' ? undefined : String(peerRaw);
  if (peer !== undefined) {
    try {
      const url = new URL(peer);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    } catch {
      throw new Error(`--peer / CUPOLA_PEER: "${peer}" is not an http:// URL of a Cupola API`);
    }
  }
  const noCompressEnv = env.CUPOLA_NO_COMPRESS;
  const compress = fromCli('compress')
    ? flags.compress !== false
    : noCompressEnv !== undefined && noCompressEnv !== ''
      ? !['1', 'true', 'yes'].includes(noCompressEnv.toLowerCase())
      : true;
  if (fromCli('compress') || (noCompressEnv !== undefined && noCompressEnv !== '')) explicit.add('compress');
  const insecureEnv = env.CUPOLA_UPSTREAM_TLS_INSECURE;
  const upstreamTlsInsecure = fromCli('upstreamTlsInsecure')
    ? flags.upstreamTlsInsecure === true
    : insecureEnv !== undefined && ['1', 'true', 'yes'].includes(insecureEnv.toLowerCase());
  if (upstreamTlsInsecure) explicit.add('upstreamTlsInsecure');
  const httpsEnv = env.CUPOLA_HTTPS;
  const https = fromCli('https') ? flags.https === true : httpsEnv !== undefined && ['1', 'true', 'yes'].includes(httpsEnv.toLowerCase());
  if (fromCli('https') || (httpsEnv !== undefined && httpsEnv !== '')) explicit.add('https');
  const resetEnv = env.CUPOLA_RESET_CATALOG;
  const resetCatalog = fromCli('resetCatalog') ? flags.resetCatalog === true : resetEnv !== undefined && ['1', 'true', 'yes'].includes(resetEnv.toLowerCase());
  if (resetCatalog) explicit.add('resetCatalog');
  const optional = (key: keyof ServeOptions, envName: string): string | undefined => {
    const v = pick(key, envName);
    return v === undefined || v === '' ? undefined : String(v);
  };
  // Commander names the `--failover-after <ms>` value `failoverAfter` (the option key is failoverAfterMs).
  const failoverAfter = (): number | undefined => {
    const raw = fromCli('failoverAfter') ? flags.failoverAfter : env.CUPOLA_FAILOVER_AFTER;
    if (raw === undefined || raw === '') return undefined;
    explicit.add('failoverAfterMs');
    return parseMillis('--failover-after / CUPOLA_FAILOVER_AFTER', String(raw));
  };
  return {
    role: role as Role,
    host: String(pick('host', 'CUPOLA_HOST')),
    advertiseHost: optional('advertiseHost', 'CUPOLA_ADVERTISE_HOST'),
    rtmpPort: parsePort('--rtmp-port / CUPOLA_RTMP_PORT', pick('rtmpPort', 'CUPOLA_RTMP_PORT')),
    rtspPort: parsePort('--rtsp-port / CUPOLA_RTSP_PORT', pick('rtspPort', 'CUPOLA_RTSP_PORT')),
    compressedRtspPort: parsePort('--compressed-rtsp-port / CUPOLA_COMPRESSED_RTSP_PORT', pick('compressedRtspPort', 'CUPOLA_COMPRESSED_RTSP_PORT')),
    apiPort: parsePort('--api-port / CUPOLA_API_PORT', pick('apiPort', 'CUPOLA_API_PORT')),
    rtmpsPort: optionalPort('--rtmps-port / CUPOLA_RTMPS_PORT', optional('rtmpsPort', 'CUPOLA_RTMPS_PORT')),
    rtspsPort: optionalPort('--rtsps-port / CUPOLA_RTSPS_PORT', optional('rtspsPort', 'CUPOLA_RTSPS_PORT')),
    compressedRtspsPort: optionalPort('--compressed-rtsps-port / CUPOLA_COMPRESSED_RTSPS_PORT', optional('compressedRtspsPort', 'CUPOLA_COMPRESSED_RTSPS_PORT')),
    tlsCert: optional('tlsCert', 'CUPOLA_TLS_CERT'),
    tlsKey: optional('tlsKey', 'CUPOLA_TLS_KEY'),
    https,
    dataDir: String(pick('dataDir', 'CUPOLA_DATA_DIR')),
    config: optional('config', 'CUPOLA_CONFIG'),
    mongoUrl: optional('mongoUrl', 'CUPOLA_MONGO_URL'),
    upstream,
    peer,
    upstreamTlsCa: optional('upstreamTlsCa', 'CUPOLA_UPSTREAM_TLS_CA'),
    upstreamTlsInsecure,
    compress,
    failoverAfterMs: failoverAfter(),
    logLevel,
    apiToken: optional('apiToken', 'CUPOLA_API_TOKEN'),
    resetCatalog,
    upstreamToken: optional('upstreamToken', 'CUPOLA_UPSTREAM_TOKEN'),
    explicit,
  };
}
