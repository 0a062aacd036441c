/**
 * Bridges the config store to the event bus and URL manager: every catalog change updates the URLs,
 * and camera changes are published as `camera.changed`. With `metrics`, a camera removed from the
 * catalog has its per-camera series dropped, so label sets follow the catalog instead of growing.
 */
import type { ConfigStore } from '../config/store.ts';
import type { Camera } from '../config/model.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { EventBus } from './events.ts';
import { publicCamera } from './public-camera.ts';
import type { UrlManager } from './url-manager.ts';

export function connectCatalogEvents(store: ConfigStore, bus: EventBus, urls: UrlManager, metrics?: Pick<Metrics, 'forgetCamera'>): () => void {
  return store.watch((change) => {
    urls.setCatalog(change.catalog);
    if (change.collection !== 'cameras') return;
    const kind = change.kind === 'delete' ? 'removed' : change.revision === 1 ? 'added' : 'updated';
    if (kind === 'removed') metrics?.forgetCamera(change.id);
    // Events go to every WebSocket client and webhook: the publish key stays inside.
    bus.publish({ type: 'camera.changed', camera: change.id, change: kind, value: publicCamera(change.value as Camera) });
  });
}
