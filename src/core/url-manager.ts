/**
 * Keeps every camera's URLs current as streams go up and down and the catalog changes, and emits
 * `urls.changed` on the event bus only when a camera's best URLs actually changed.
 */
import type { Catalog } from '../config/catalog.ts';
import type { FactoryName } from '../streams/types.ts';
import type { EventBus } from './events.ts';
import { cameraUrls, sameBest, type BestUrls, type CameraUrls, type NodeEndpoint, type NodeRef } from './urls.ts';

export interface UrlManagerOptions {
  /** This node first, then its peer when there is one (see selfEndpoint / peerEndpoint). */
  readonly endpoints: readonly NodeEndpoint[];
  readonly catalog: Catalog;
  /** Where `urls.changed` goes. */
  readonly bus?: EventBus;
}

const NO_BEST: BestUrls = Object.freeze({ raw: null, compressed: null });

export class UrlManager {
  #endpoints: readonly NodeEndpoint[];
  #catalog: Catalog;
  #bus: EventBus | undefined;
  #live = new Set<string>();
  #urls = new Map<string, CameraUrls>();
  #liveness = { isLive: (node: NodeRef, factory: FactoryName, path: string): boolean => this.isLive(node, factory, path) };

  constructor(options: UrlManagerOptions) {
    this.#endpoints = options.endpoints;
    this.#catalog = options.catalog;
    this.#bus = options.bus;
    this.#recompute(null);
  }

  isLive(node: NodeRef, factory: FactoryName, path: string): boolean {
    return this.#live.has(`${node} ${factory} ${path}`);
  }

  /** A stream went up or down on this node ('self') or on the peer. */
  setLive(node: NodeRef, factory: FactoryName, path: string, live: boolean): void {
    const key = `${node} ${factory} ${path}`;
    if (this.#live.has(key) === live) return;
    if (live) this.#live.add(key);
    else this.#live.delete(key);
    this.#recompute(path);
  }

  /** Everything the peer has live (after (re)connecting to it): replaces the peer's live set. */
  setPeerLive(streams: readonly { readonly factory: FactoryName; readonly path: string }[]): void {
    for (const key of [...this.#live]) if (key.startsWith('peer ')) this.#live.delete(key);
    for (const s of streams) this.#live.add(`peer ${s.factory} ${s.path}`);
    this.#recompute(null);
  }

  setCatalog(catalog: Catalog): void {
    this.#catalog = catalog;
    this.#recompute(null);
  }

  /** Endpoints changed (ports bound, peer configured). */
  setEndpoints(endpoints: readonly NodeEndpoint[]): void {
    this.#endpoints = endpoints;
    this.#recompute(null);
  }

  get(cameraId: string): CameraUrls | undefined {
    return this.#urls.get(cameraId);
  }

  list(): CameraUrls[] {
    return [...this.#urls.values()];
  }

  /** Recomputes one camera (path) or all (null); emits for each whose best URLs changed. */
  #recompute(path: string | null): void {
    const cameras = path === null ? this.#catalog.cameras : this.#catalog.cameras.filter((c) => c.id === path);
    const seen = new Set<string>();
    for (const cam of cameras) {
      seen.add(cam.id);
      const next = cameraUrls(cam, this.#endpoints, this.#liveness);
      const prev = this.#urls.get(cam.id);
      this.#urls.set(cam.id, next);
      if (!sameBest(prev?.best ?? NO_BEST, next.best)) {
        this.#bus?.publish({ type: 'urls.changed', camera: cam.id, best: next.best, urls: next });
      }
    }
    if (path !== null) return;
    for (const [id, prev] of this.#urls) {
      if (seen.has(id)) continue;
      this.#urls.delete(id);
      if (!sameBest(prev.best, NO_BEST)) this.#bus?.publish({ type: 'urls.changed', camera: id, best: null, urls: null });
    }
  }
}
