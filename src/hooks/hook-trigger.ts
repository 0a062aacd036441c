/**
 * Hooks, pure part: which hook event an application event is (`stream.up` -> `stream.ready`...),
 * which configured hooks it matches, and the environment their commands get. No I/O.
 */
import type { ApiEvent } from '../core/events.ts';
import type { CameraUrls } from '../core/urls.ts';
import type { HookEvent, HookSettings, Role } from '../config/settings.ts';
import type { FactoryName } from '../streams/types.ts';

/** An application event as hooks see it. */
export interface HookTrigger {
  readonly on: HookEvent;
  /** Camera path (`site/camera`). */
  readonly path: string;
  /** Null for events that belong to no factory. */
  readonly factory: FactoryName | null;
  /** Event-specific variables (CUPOLA_READER_*, CUPOLA_COMPRESSION_*, ...). */
  readonly vars: Readonly<Record<string, string>>;
}

/** Replication states that mean the pulled source just failed (it is retried after a delay). */
/** Replication says `backoff`, a pulled camera `failed` (src/sources/source-status.ts): the same state. */
const SOURCE_FAILED_STATES: ReadonlySet<string> = new Set(['backoff', 'failed', 'stalled']);

function maybe(name: string, value: string | undefined): Record<string, string> {
  return value === undefined ? {} : { [name]: value };
}

/** The hook event an application event is, or null when no hook follows it. */
export function hookTriggerOf(event: ApiEvent): HookTrigger | null {
  const common = { CUPOLA_EVENT_TIME: event.time, CUPOLA_EVENT_SEQ: String(event.seq) };
  switch (event.type) {
    case 'stream.up': {
      const s = event.stream;
      return {
        on: 'stream.ready',
        path: s.path,
        factory: s.factory,
        vars: {
          ...common,
          ...maybe('CUPOLA_PUBLISHER_KIND', s.publisher?.kind),
          ...maybe('CUPOLA_PUBLISHER_REMOTE', s.publisher?.remote),
          ...maybe('CUPOLA_VIDEO_CODEC', s.video?.codec),
          ...maybe('CUPOLA_AUDIO_CODEC', s.audio?.codec),
        },
      };
    }
    case 'stream.down':
      return { on: 'stream.notReady', path: event.path, factory: event.factory, vars: common };
    case 'reader.connect':
    case 'reader.disconnect':
      return {
        on: event.type,
        path: event.path,
        factory: event.factory,
        vars: { ...common, CUPOLA_READER_PROTOCOL: event.protocol, CUPOLA_READER_REMOTE: event.remote },
      };
    case 'compression.state':
      // Compression writes the camera's Factory 2 stream.
      return {
        on: 'compression.state',
        path: event.camera,
        factory: 'compressed',
        vars: {
          ...common,
          CUPOLA_COMPRESSION_STATE: event.state,
          ...maybe('CUPOLA_COMPRESSION_PROFILE', event.profile),
          ...maybe('CUPOLA_DETAIL', event.detail),
        },
      };
    case 'replication.failover':
      return {
        on: event.change === 'failover' ? 'replication.failover' : 'replication.handback',
        path: event.camera,
        factory: 'compressed',
        vars: common,
      };
    case 'source.state':
      // A pulled camera (its `source` URL) into Factory 1.
      if (!SOURCE_FAILED_STATES.has(event.state)) return null;
      return {
        on: 'source.failed',
        path: event.camera,
        factory: 'raw',
        vars: { ...common, CUPOLA_SOURCE_STATE: event.state, ...maybe('CUPOLA_DETAIL', event.detail) },
      };
    case 'replication.state':
      // The master's replication pull of a slave's stream.
      if (!SOURCE_FAILED_STATES.has(event.state)) return null;
      return {
        on: 'source.failed',
        path: event.path,
        factory: event.factory,
        vars: {
          ...common,
          CUPOLA_SOURCE_STATE: event.state,
          ...maybe('CUPOLA_UPSTREAM', event.upstream),
          ...maybe('CUPOLA_DETAIL', event.detail),
        },
      };
    case 'urls.changed':
    case 'camera.changed':
      return null;
    default:
      return assertNever(event);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled event ${JSON.stringify(x)}`);
}

/**
 * Whether `path` matches a glob-ish pattern: `*` is any run of characters within one segment, `**`
 * any run including `/`; everything else is literal (regex characters are escaped).
 */
export function pathMatches(pattern: string, path: string): boolean {
  const source = pattern
    .split('**')
    .map((deep) => deep.split('*').map((lit) => lit.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*'))
    .join('.*');
  return new RegExp(`^${source}$`).test(path);
}

/** The hooks configured for this trigger: same event, factory (when both have one) and path filter. */
export function matchingHooks(hooks: readonly HookSettings[], trigger: HookTrigger): HookSettings[] {
  return hooks.filter(
    (h) =>
      h.on === trigger.on &&
      (h.factory === undefined || trigger.factory === null || h.factory === trigger.factory) &&
      (h.paths === undefined || h.paths.some((p) => pathMatches(p, trigger.path))),
  );
}

/** What the environment says about this node. */
export interface HookNodeInfo {
  readonly name: string;
  readonly role: Role;
}

/**
 * The variables a hook's command gets on top of the node's own environment (documented in
 * docs/operations.md). URLs are this node's (internal, and advertised when configured), from URL
 * management; they are absent for a path that is not a catalog camera.
 */
export function hookEnv(hook: HookSettings, trigger: HookTrigger, node: HookNodeInfo, urls: CameraUrls | undefined): Record<string, string> {
  const slash = trigger.path.indexOf('/');
  const self = urls?.nodes.find((n) => n.node === 'self');
  const rtsp = self === undefined || trigger.factory === null ? undefined : trigger.factory === 'raw' ? self.rtspRaw : self.rtspCompressed;
  return {
    CUPOLA_HOOK: hook.name,
    CUPOLA_EVENT: trigger.on,
    CUPOLA_NODE: node.name,
    CUPOLA_ROLE: node.role,
    CUPOLA_PATH: trigger.path,
    CUPOLA_SITE: urls?.site ?? (slash > 0 ? trigger.path.slice(0, slash) : ''),
    CUPOLA_CAMERA: slash >= 0 ? trigger.path.slice(trigger.path.lastIndexOf('/') + 1) : trigger.path,
    CUPOLA_FACTORY: trigger.factory ?? '',
    ...maybe('CUPOLA_RTSP_URL', rtsp?.internal),
    ...maybe('CUPOLA_RTSP_URL_ADVERTISED', rtsp?.advertised ?? undefined),
    ...maybe('CUPOLA_RTMP_URL', self?.rtmpIngest.internal),
    ...maybe('CUPOLA_RTMP_URL_ADVERTISED', self?.rtmpIngest.advertised ?? undefined),
    ...trigger.vars,
  };
}
