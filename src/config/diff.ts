/**
 * What changed between two config snapshots, so the composition root restarts only what a change
 * concerns (as mediamtx's reload does): one camera's compressor, not all of them; one listener, not
 * the process.
 */
import type { Catalog } from './catalog.ts';
import { sameDocument, type Camera, type CompressionProfile } from './model.ts';
import type { Settings } from './settings.ts';

export interface CollectionDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

export interface CatalogDiff {
  readonly sites: CollectionDiff;
  readonly cameras: CollectionDiff;
  readonly profiles: CollectionDiff;
  /**
   * Cameras present in both snapshots whose compression must restart: the effective profile (own
   * override or the default) is another one or its content changed. Enable/disable is in `cameras.changed`.
   */
  readonly recompress: readonly string[];
  readonly empty: boolean;
}

const same = sameDocument;

function diffById<T extends { readonly id: string }>(before: readonly T[], after: readonly T[]): CollectionDiff {
  const old = new Map(before.map((d) => [d.id, d]));
  const next = new Map(after.map((d) => [d.id, d]));
  const added: string[] = [];
  const changed: string[] = [];
  for (const [id, d] of next) {
    const o = old.get(id);
    if (o === undefined) added.push(id);
    else if (!same(o, d)) changed.push(id);
  }
  const removed = [...old.keys()].filter((id) => !next.has(id));
  return { added, removed, changed };
}

function effectiveProfile(c: Catalog, cam: Camera, defaultProfile: string): CompressionProfile | undefined {
  const id = cam.profile ?? defaultProfile;
  return c.profiles.find((p) => p.id === id);
}

export function diffCatalog(before: Catalog, after: Catalog, defaultProfile: string): CatalogDiff {
  const sites = diffById(before.sites, after.sites);
  const cameras = diffById(before.cameras, after.cameras);
  const profiles = diffById(before.profiles, after.profiles);
  const oldCams = new Map(before.cameras.map((c) => [c.id, c]));
  const recompress: string[] = [];
  for (const cam of after.cameras) {
    const old = oldCams.get(cam.id);
    if (old === undefined) continue;
    if (!same(effectiveProfile(before, old, defaultProfile), effectiveProfile(after, cam, defaultProfile))) recompress.push(cam.id);
  }
  const empty = [sites, cameras, profiles].every((d) => d.added.length + d.removed.length + d.changed.length === 0);
  return { sites, cameras, profiles, recompress, empty };
}

/**
 * Settings sections that differ, at the granularity components restart at: `node`,
 * `factories.raw`, `factories.compressed`, `api`, `store`, `cameras`, `compression`, `replication`,
 * `limits`, `hooks`, `tls` (the certificate files; a renewal of their content needs no settings change).
 */
export function diffSettings(before: Settings, after: Settings): string[] {
  const out: string[] = [];
  if (!same(before.node, after.node)) out.push('node');
  if (!same(before.factories.raw, after.factories.raw)) out.push('factories.raw');
  if (!same(before.factories.compressed, after.factories.compressed)) out.push('factories.compressed');
  for (const key of ['api', 'store', 'cameras', 'compression', 'replication', 'limits', 'hooks', 'tls'] as const) {
    if (!same(before[key], after[key])) out.push(key);
  }
  return out;
}
