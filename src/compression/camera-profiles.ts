/**
 * Which compression profile a camera gets, and the catalog changes that change it. Pure but for
 * followProfileChanges, which subscribes to the store.
 */
import { findCamera, profileFor, type Catalog } from '../config/catalog.ts';
import { diffCatalog } from '../config/diff.ts';
import type { ConfigStore } from '../config/store.ts';
import type { CompressionProfile } from '../config/model.ts';

/**
 * A camera's profile on a node with cameras (slave, master): catalog cameras (enabled) get theirs;
 * cameras not (yet) in the catalog the default one only while auto-registration is on (they are
 * being registered), else none: a stranger's publish never starts an encoder (security issue 17.10).
 */
export function cameraProfile(catalog: Catalog, path: string, defaultProfile: string, autoRegistering: () => boolean): CompressionProfile | undefined {
  const camera = findCamera(catalog, path);
  if (camera === undefined) return autoRegistering() ? catalog.profiles.find((p) => p.id === defaultProfile) : undefined;
  if (!camera.enabled) return undefined;
  return profileFor(catalog, camera, defaultProfile);
}

/** The compressor role follows the slave's cameras (the slave admitted them), not this node's catalog. */
export function followedCameraProfile(catalog: Catalog, path: string, defaultProfile: string): CompressionProfile | undefined {
  const camera = findCamera(catalog, path);
  if (camera === undefined) return catalog.profiles.find((p) => p.id === defaultProfile);
  return camera.enabled ? profileFor(catalog, camera, defaultProfile) : undefined;
}

/** Live config: calls `onChange` for each camera whose effective profile changed. Returns the unsubscribe. */
export function followProfileChanges(store: ConfigStore, defaultProfile: string, onChange: (path: string) => void): () => void {
  let before = store.catalog();
  return store.watch((change) => {
    const diff = diffCatalog(before, change.catalog, defaultProfile);
    before = change.catalog;
    for (const path of diff.recompress) onChange(path);
  });
}
