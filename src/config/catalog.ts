/**
 * The catalog: every site, camera and compression profile, as one frozen snapshot. Stores produce a
 * new snapshot on every change; the composition root diffs consecutive snapshots (diff.ts).
 */
import { DEFAULT_COMPRESSION_PROFILE } from '../../workers/messages.ts';
import {
  cameraSchema,
  profileSchema,
  siteSchema,
  type Camera,
  type CatalogDocuments,
  type CollectionName,
  type CompressionProfile,
  type Site,
} from './model.ts';
import { ConfigValidationError, ParseContext, arr, join, obj, withDefault, int, type ConfigIssue } from './schema-kit.ts';

export interface Catalog {
  readonly sites: readonly Site[];
  readonly cameras: readonly Camera[];
  readonly profiles: readonly CompressionProfile[];
}

/** Version of the embedded store's file format. */
export const CATALOG_FILE_VERSION = 1;

const catalogFileSchema = obj({
  version: withDefault(int({ min: 1, max: CATALOG_FILE_VERSION }), CATALOG_FILE_VERSION),
  sites: withDefault(arr(siteSchema), []),
  cameras: withDefault(arr(cameraSchema), []),
  profiles: withDefault(arr(profileSchema), []),
});

/**
 * Validates a whole catalog document (the embedded store's file, an import) including references
 * between documents; throws ConfigValidationError naming every bad field.
 */
export function parseCatalog(raw: unknown, source?: string): Catalog {
  const ctx = new ParseContext();
  const parsed = catalogFileSchema.parse(raw, '', ctx);
  if (parsed === undefined || ctx.issues.length > 0) throw new ConfigValidationError(ctx.issues, source);
  const catalog = freezeCatalog(parsed);
  const issues = catalogIssues(catalog);
  if (issues.length > 0) throw new ConfigValidationError(issues, source);
  return catalog;
}

export function freezeCatalog(c: Catalog): Catalog {
  return Object.freeze({
    sites: Object.freeze([...c.sites]),
    cameras: Object.freeze([...c.cameras]),
    profiles: Object.freeze([...c.profiles]),
  });
}

/** Duplicate ids and dangling references (camera -> site, camera -> profile). */
export function catalogIssues(c: Catalog): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const dupes = (name: CollectionName, docs: readonly { id: string }[]): Set<string> => {
    const seen = new Set<string>();
    docs.forEach((d, i) => {
      if (seen.has(d.id)) issues.push({ path: join(join(name, i), 'id'), message: `duplicate id "${d.id}"` });
      seen.add(d.id);
    });
    return seen;
  };
  const sites = dupes('sites', c.sites);
  dupes('cameras', c.cameras);
  const profiles = dupes('profiles', c.profiles);
  c.cameras.forEach((cam, i) => {
    if (!sites.has(cam.site)) issues.push({ path: join(join('cameras', i), 'site'), message: `unknown site "${cam.site}"` });
    if (cam.profile !== undefined && !profiles.has(cam.profile)) {
      issues.push({ path: join(join('cameras', i), 'profile'), message: `unknown profile "${cam.profile}"` });
    }
  });
  return issues;
}

/**
 * Problems that writing `doc` into `collection` would cause against the current catalog: a camera
 * naming an unknown site or profile (field errors, HTTP 400).
 */
export function referenceIssues<C extends CollectionName>(c: Catalog, collection: C, doc: CatalogDocuments[C]): ConfigIssue[] {
  if (collection !== 'cameras') return [];
  const cam = doc as Camera;
  const issues: ConfigIssue[] = [];
  if (!c.sites.some((s) => s.id === cam.site)) issues.push({ path: 'site', message: `unknown site "${cam.site}"` });
  if (cam.profile !== undefined && !c.profiles.some((p) => p.id === cam.profile)) {
    issues.push({ path: 'profile', message: `unknown profile "${cam.profile}"` });
  }
  return issues;
}

/** Why deleting a document would break the catalog (HTTP 409), or null when it may go. */
export function deleteBlocker(c: Catalog, collection: CollectionName, id: string, defaultProfile?: string): string | null {
  if (collection === 'sites') {
    const n = c.cameras.filter((cam) => cam.site === id).length;
    return n > 0 ? `site "${id}" still has ${n} camera(s); remove them first` : null;
  }
  if (collection === 'profiles') {
    if (id === defaultProfile) return `profile "${id}" is the node's default profile`;
    const users = c.cameras.filter((cam) => cam.profile === id).map((cam) => cam.id);
    return users.length > 0 ? `profile "${id}" is used by ${users.join(', ')}` : null;
  }
  return null;
}

export function findCamera(c: Catalog, id: string): Camera | undefined {
  return c.cameras.find((cam) => cam.id === id);
}

/** The profile a camera is compressed with: its own, else the default; undefined if neither exists. */
export function profileFor(c: Catalog, camera: Camera, defaultProfile: string): CompressionProfile | undefined {
  const id = camera.profile ?? defaultProfile;
  return c.profiles.find((p) => p.id === id);
}

/**
 * The embedded default catalog (first start with an empty data dir): site `site1` with cameras
 * cam1..cam5 and three profiles. `default` (the worker's default: 800 kbit/s at 480p h264, about a
 * fifth of a typical 4 Mbit/s 720p camera), `low` (360p at 12 fps for weak uplinks) and `hevc-720p`
 * (h265 keeps 720p at 600 kbit/s where the decoders support it).
 */
export function defaultCatalog(): Catalog {
  return parseCatalog(
    {
      version: CATALOG_FILE_VERSION,
      sites: [{ id: 'site1', name: 'Site 1' }],
      cameras: [1, 2, 3, 4, 5].map((n) => ({ site: 'site1', name: `cam${n}` })),
      profiles: [
        DEFAULT_COMPRESSION_PROFILE,
        { id: 'low', codec: 'h264', bitrateKbps: 350, height: 360, fps: 12, gopFrames: 24, preset: 'veryfast', audio: 'aac', audioBitrateKbps: 32 },
        { id: 'hevc-720p', codec: 'h265', bitrateKbps: 600, height: 720, gopFrames: 50, preset: 'fast', audio: 'aac' },
      ],
    },
    'embedded default catalog',
  );
}
