/**
 * The config model: one schema per document kind, and the TypeScript types they yield.
 *
 * Catalog documents (sites, cameras, compression profiles) live in a ConfigStore and are edited
 * through the API; node settings (role, factories, advertised addresses, API) are local to a machine
 * and come from a settings file, CLI flags and environment (see settings.ts).
 */
import {
  bool,
  int,
  join,
  num,
  obj,
  oneOf,
  optional,
  refine,
  str,
  withDefault,
  type Infer,
  type ParseContext,
  type Schema,
} from './schema-kit.ts';
import {
  MAX_SOURCE_PASS_LENGTH,
  MAX_SOURCE_URL_LENGTH,
  MAX_SOURCE_USER_LENGTH,
  parseSourceUrl,
  SOURCE_TRANSPORTS,
  type SourceTransport,
} from './camera-source.ts';

/** One path segment: the same rule the stream registry applies to `site/camera` paths. */
export const ID_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ID_HINT = 'use 1-64 letters, digits, "_", "." or "-", starting with a letter or digit';

export const idSegment = (): Schema<string> => str({ pattern: ID_SEGMENT, patternHint: ID_HINT });

// ---- sites ----

const siteInput = obj({
  id: idSegment(),
  /** Display name. Defaults to the id. */
  name: optional(str({ minLength: 1, maxLength: 200 })),
});

export const siteSchema = refine(siteInput, (v): { readonly id: string; readonly name: string } =>
  Object.freeze({ id: v.id, name: v.name ?? v.id }),
);
export type Site = Infer<typeof siteSchema>;

// ---- cameras ----

const cameraInput = obj({
  /** `site/name`. May be omitted when site and name are given (and vice versa). */
  id: optional(str({ maxLength: 129 })),
  site: optional(idSegment()),
  name: optional(idSegment()),
  /** A disabled camera is refused when it publishes and is not compressed. Defaults to true. */
  enabled: withDefault(bool(), true),
  /** When set, the camera must publish with `?key=<publishKey>`. */
  publishKey: optional(str({ minLength: 1, maxLength: 256 })),
  /** Compression profile id overriding the node's default profile. */
  profile: optional(idSegment()),
  /** Readers stay connected while the camera is offline (placeholder picture). Unset: `cameras.alwaysAvailable`. */
  alwaysAvailable: optional(bool()),
  /**
   * A camera that does not push: Cupola pulls this URL into Factory 1 (rtsp://, rtsps://, rtmp://,
   * rtmps://). User info in the URL is moved to sourceUser/sourcePass; the stored URL has none.
   */
  source: optional(str({ minLength: 1, maxLength: MAX_SOURCE_URL_LENGTH })),
  /** RTSP sources: 'udp', 'tcp' (interleaved) or 'auto' (UDP, then TCP when no media comes). Defaults to auto. */
  sourceTransport: optional(oneOf(SOURCE_TRANSPORTS, 'source transport')),
  /** Pull only while someone reads the camera (first reader starts it). Defaults to false (always on). */
  sourceOnDemand: optional(bool()),
  /** Source user name (write-only in the API, like the password). */
  sourceUser: optional(str({ minLength: 1, maxLength: MAX_SOURCE_USER_LENGTH })),
  /** Source password: write-only, never returned, logged or put in an event. */
  sourcePass: optional(str({ minLength: 1, maxLength: MAX_SOURCE_PASS_LENGTH })),
});

interface CameraShape {
  readonly id: string;
  readonly site: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly publishKey?: string;
  readonly profile?: string;
  readonly alwaysAvailable?: boolean;
  readonly source?: string;
  /** Present (filled with 'auto') whenever `source` is. */
  readonly sourceTransport?: SourceTransport;
  /** Present (false by default) whenever `source` is. */
  readonly sourceOnDemand?: boolean;
  readonly sourceUser?: string;
  readonly sourcePass?: string;
}

/** The source fields of a camera, validated: credentials out of the URL, defaults filled. */
function cameraSourceFields(v: Infer<typeof cameraInput>, path: string, ctx: ParseContext): Partial<CameraShape> | undefined {
  if (v.source === undefined) {
    // Transport, on-demand and credentials mean nothing without a URL; they are dropped, not kept.
    return {};
  }
  const parsed = parseSourceUrl(v.source);
  if ('error' in parsed) {
    ctx.add(join(path, 'source'), `${parsed.error}`);
    return undefined;
  }
  const transport = v.sourceTransport ?? 'auto';
  if (transport === 'udp' && parsed.scheme !== 'rtsp') {
    ctx.add(join(path, 'sourceTransport'), `udp applies to rtsp:// sources only (${parsed.scheme}:// runs over TCP)`);
    return undefined;
  }
  // Credentials in the URL are the newest (an operator pasted a camera URL); they replace stored ones.
  const user = parsed.user ?? v.sourceUser;
  const pass = parsed.user !== undefined ? parsed.pass : v.sourcePass;
  if (pass !== undefined && user === undefined) {
    ctx.add(join(path, 'sourcePass'), 'needs sourceUser (or user info in the source URL)');
    return undefined;
  }
  return {
    source: parsed.url,
    sourceTransport: transport,
    sourceOnDemand: v.sourceOnDemand ?? false,
    ...(user !== undefined ? { sourceUser: user } : {}),
    ...(pass !== undefined ? { sourcePass: pass } : {}),
  };
}

export const cameraSchema = refine(cameraInput, (v, path, ctx): CameraShape | undefined => {
  let site = v.site;
  let name = v.name;
  if (v.id !== undefined) {
    const parts = v.id.split('/');
    if (parts.length !== 2 || !ID_SEGMENT.test(parts[0]!) || !ID_SEGMENT.test(parts[1]!)) {
      ctx.add(join(path, 'id'), `invalid camera id ${JSON.stringify(v.id)}: expected "site/name"`);
      return undefined;
    }
    if (site !== undefined && site !== parts[0]) {
      ctx.add(join(path, 'site'), `"${site}" does not match id "${v.id}"`);
      return undefined;
    }
    if (name !== undefined && name !== parts[1]) {
      ctx.add(join(path, 'name'), `"${name}" does not match id "${v.id}"`);
      return undefined;
    }
    site = parts[0]!;
    name = parts[1]!;
  }
  if (site === undefined || name === undefined) {
    ctx.add(path, 'needs either id ("site/name") or both site and name');
    return undefined;
  }
  const source = cameraSourceFields(v, path, ctx);
  if (source === undefined) return undefined;
  return Object.freeze({
    id: `${site}/${name}`,
    site,
    name,
    enabled: v.enabled,
    ...(v.publishKey !== undefined ? { publishKey: v.publishKey } : {}),
    ...(v.profile !== undefined ? { profile: v.profile } : {}),
    ...(v.alwaysAvailable !== undefined ? { alwaysAvailable: v.alwaysAvailable } : {}),
    ...source,
  });
});
export type Camera = Infer<typeof cameraSchema>;

// ---- compression profiles ----

/**
 * Encoders the bundled ffmpeg offers: software libx264 ('h264') and libx265 ('h265'), and VAAPI
 * hardware encoders (Intel/AMD GPUs, need /dev/dri/renderD128).
 */
export const COMPRESSION_CODECS = ['h264', 'h265', 'h264_vaapi', 'hevc_vaapi'] as const;
export type CompressionCodec = (typeof COMPRESSION_CODECS)[number];

export const AUDIO_MODES = ['copy', 'aac', 'drop'] as const;
/** copy: pass the camera's audio through; aac: re-encode to AAC; drop: no audio in the output. */
export type AudioMode = (typeof AUDIO_MODES)[number];

/** How one camera is compressed: what profileSchema yields and the compression worker consumes. */
export interface CompressionProfile {
  /** Profile name ('default', 'low', ...), shown in the API. */
  readonly id: string;
  readonly codec: CompressionCodec;
  /** Target average video bitrate (kbit/s). */
  readonly bitrateKbps: number;
  /** VBV peak rate (kbit/s), >= bitrateKbps. */
  readonly maxrateKbps: number;
  /** VBV buffer size (kbit). */
  readonly bufsizeKbps: number;
  /**
   * Largest output width in pixels. The aspect is always kept: with only one of width/height set
   * the other follows; with both, the picture fits inside width x height. Never upscales.
   */
  readonly width?: number;
  /** Largest output height in pixels (see `width`). */
  readonly height?: number;
  /** Output frame rate; unset keeps the camera's rate. */
  readonly fps?: number;
  /** Keyframe interval in frames (also the maximum: scene-cut keyframes are disabled). */
  readonly gopFrames: number;
  /** Encoder preset ('ultrafast'...'veryslow' for x264/x265; ignored by encoders without presets). */
  readonly preset: string;
  /** Encoder tune. Defaults to 'zerolatency' (no B-frames, no lookahead: lowest added latency). */
  readonly tune: string;
  /**
   * libx264 encoder threads (`-threads`; libx265 in ffmpeg 4.1 ignores it and sizes its own pool,
   * VAAPI has none). Unset means 1: a site compresses many cameras, one ffmpeg
   * each, so the cores are shared across cameras, and one thread per encoder costs the least CPU per
   * camera (no slice or thread synchronisation; docs/compression.md). 0 lets the encoder choose.
   */
  readonly threads?: number;
  readonly audio: AudioMode;
  /** AAC bitrate when audio is 'aac' (kbit/s). Defaults to 64. */
  readonly audioBitrateKbps?: number;
}

/**
 * A free-text profile value that becomes one ffmpeg argument: letters, digits and `_ . : + -`,
 * starting with a letter or digit, so it can never be taken for an option (`-i`, `-filter_complex`).
 */
export const FFMPEG_WORD = /^[A-Za-z0-9][A-Za-z0-9_.:+-]{0,31}$/;
const ffmpegWord = (what: string): Schema<string> =>
  str({ pattern: FFMPEG_WORD, patternHint: `${what}: 1-32 letters, digits, "_", ".", ":", "+" or "-", starting with a letter or digit` });

const profileInput = obj({
  id: idSegment(),
  codec: oneOf(COMPRESSION_CODECS, 'codec'),
  bitrateKbps: int({ min: 16, max: 100_000 }),
  /** Defaults to bitrateKbps * 1.25. */
  maxrateKbps: optional(int({ min: 16, max: 200_000 })),
  /** Defaults to bitrateKbps * 2. */
  bufsizeKbps: optional(int({ min: 16, max: 400_000 })),
  width: optional(int({ min: 16, max: 7680, even: true })),
  height: optional(int({ min: 16, max: 4320, even: true })),
  fps: optional(num({ min: 1, max: 240 })),
  /** Defaults to 50 (2 s at 25 fps). */
  gopFrames: withDefault(int({ min: 1, max: 1000 }), 50),
  /** Passed to ffmpeg as the value of `-preset`: an encoder name word, never something ffmpeg could read as an option. */
  preset: withDefault(ffmpegWord('an encoder preset name such as veryfast'), 'superfast'),
  /** Passed to ffmpeg as the value of `-tune` (same rule as preset). */
  tune: withDefault(ffmpegWord('an encoder tune name such as zerolatency'), 'zerolatency'),
  /** Encoder threads; unset is 1 (see CompressionProfile.threads), 0 lets the encoder choose. */
  threads: optional(int({ min: 0, max: 64 })),
  audio: withDefault(oneOf(AUDIO_MODES, 'audio mode'), 'aac'),
  audioBitrateKbps: optional(int({ min: 8, max: 512 })),
});

export const profileSchema = refine(profileInput, (v, path, ctx): CompressionProfile | undefined => {
  const maxrateKbps = v.maxrateKbps ?? Math.round(v.bitrateKbps * 1.25);
  const bufsizeKbps = v.bufsizeKbps ?? v.bitrateKbps * 2;
  if (maxrateKbps < v.bitrateKbps) {
    ctx.add(join(path, 'maxrateKbps'), `must be >= bitrateKbps (${v.bitrateKbps}), got ${maxrateKbps}`);
    return undefined;
  }
  const { id, codec, bitrateKbps, ...rest } = v;
  return Object.freeze({ id, codec, bitrateKbps, maxrateKbps, bufsizeKbps, ...rest });
});

// The schema must yield exactly the type the compression worker consumes (both directions).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const profileTypeMatches: Same<Infer<typeof profileSchema>, CompressionProfile> = true;
void profileTypeMatches;


/** The catalog collections a ConfigStore holds, and their document types. */
export interface CatalogDocuments {
  sites: Site;
  cameras: Camera;
  profiles: CompressionProfile;
}
export type CollectionName = keyof CatalogDocuments;
export const COLLECTIONS: readonly CollectionName[] = ['sites', 'cameras', 'profiles'];

export const documentSchemas: { readonly [C in CollectionName]: Schema<CatalogDocuments[C]> } = {
  sites: siteSchema,
  cameras: cameraSchema,
  profiles: profileSchema,
};

/** The lookup key of a document (what the API's `:id` and the unique index use). */
export function documentId(doc: { readonly id: string }): string {
  return doc.id;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/** Deep equality of JSON documents, ignoring key order. */
export function sameDocument(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}
