/**
 * Who may publish a camera path: the pure decisions behind the registries' authorizers. Factory 1:
 * unknown cameras are auto-registered under their site when `cameras.autoRegister` is on (by default
 * only while nothing is secured: see autoRegisterDefault), refused otherwise; a camera's publish key
 * must match; disabled cameras are refused. Factory 2: only enabled catalog cameras, never registered.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Catalog } from './catalog.ts';
import { ID_SEGMENT, type Camera, type Site } from './model.ts';

export type PublishDecision =
  | { readonly kind: 'allow'; readonly camera: Camera }
  /** Store these (site only when missing, then the camera) and allow; log once per camera. */
  | { readonly kind: 'register'; readonly camera: Camera; readonly site?: Site }
  | { readonly kind: 'reject'; readonly reason: 'unknown-camera' | 'bad-key' | 'bad-path' | 'disabled'; readonly message: string };

/** Constant-time comparison of two secrets (keys, passwords) of any lengths. */
export function sameSecret(a: string, b: string): boolean {
  // Digests have equal length, so timingSafeEqual never throws and the time leaks nothing of the key.
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/**
 * `cameras.autoRegister` when not set: on only while nothing is secured — no camera has a publish key
 * and no factory has read or publish credentials — so the quickstart works out of the box and a node
 * whose operator secured anything does not let strangers create cameras (security issue 17.6).
 */
export function autoRegisterDefault(catalog: Catalog, factoryAuthConfigured: boolean): boolean {
  return !factoryAuthConfigured && !catalog.cameras.some((c) => c.publishKey !== undefined);
}

/**
 * Factory 2 (compressed): a push is only for a camera the operator has in the catalog (enabled);
 * never auto-registered. Who may push at all is decided before (RTSP credentials, publisher kind).
 */
export function decideCompressedPublish(catalog: Catalog, path: string): PublishDecision {
  const camera = catalog.cameras.find((c) => c.id === path);
  if (camera === undefined) return { kind: 'reject', reason: 'unknown-camera', message: `unknown camera "${path}" (Factory 2 takes only catalog cameras)` };
  if (!camera.enabled) return { kind: 'reject', reason: 'disabled', message: `camera "${path}" is disabled` };
  return { kind: 'allow', camera };
}

/**
 * @param path normalised stream path (`site/camera`)
 * @param key the `key` query parameter the publisher sent, if any
 */
export function decidePublish(catalog: Catalog, autoRegister: boolean, path: string, key: string | undefined): PublishDecision {
  const parts = path.split('/');
  if (parts.length !== 2 || !ID_SEGMENT.test(parts[0]!) || !ID_SEGMENT.test(parts[1]!)) {
    return { kind: 'reject', reason: 'bad-path', message: `"${path}" is not a camera path (expected site/camera)` };
  }
  const [siteId, name] = parts as [string, string];
  const camera = catalog.cameras.find((c) => c.id === path);
  if (camera === undefined) {
    if (!autoRegister) return { kind: 'reject', reason: 'unknown-camera', message: `unknown camera "${path}" (auto-registration is off)` };
    const site = catalog.sites.some((s) => s.id === siteId) ? undefined : { id: siteId, name: siteId };
    const registered: Camera = { id: path, site: siteId, name, enabled: true };
    return site === undefined ? { kind: 'register', camera: registered } : { kind: 'register', camera: registered, site };
  }
  if (!camera.enabled) return { kind: 'reject', reason: 'disabled', message: `camera "${path}" is disabled` };
  if (camera.publishKey !== undefined && (key === undefined || !sameSecret(key, camera.publishKey))) {
    return { kind: 'reject', reason: 'bad-key', message: `wrong or missing publish key for "${path}"` };
  }
  return { kind: 'allow', camera };
}
