/**
 * Bridges the config store to the event bus and URL manager: every catalog change updates the URLs,
 * and camera changes are published as `camera.changed`.
 */
import type { ConfigStore } from '../config/store.ts';
import type { Camera } from '../config/model.ts';
import type { EventBus } from './events.ts';
import type { UrlManager } from './url-manager.ts';

export function connectCatalogEvents(store: ConfigStore, bus: EventBus, urls: UrlManager): () => void {
  return store.watch((change) => {
    urls.setCatalog(change.catalog);
    if (change.collection !== 'cameras') return;
    const kind = change.kind === 'delete' ? 'removed' : change.revision === 1 ? 'added' : 'updated';
    bus.publish({ type: 'camera.changed', camera: change.id, change: kind, value: change.value as Camera });
  });
}
