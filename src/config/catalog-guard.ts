/**
 * The guard against a catalog that lost its content (issue 17.3): a config.json replaced by `{}`,
 * a dropped MongoDB collection. Taken silently, its cameras would be gone with their publish keys,
 * a camera would then publish without a key, be auto-registered, and the loss be written for good.
 *
 * Both stores remember which collections the last good catalog had documents in (the file store
 * in its backup `config.json.bak`, the MongoDB store in a meta document) and, at start-up, refuse a
 * catalog in which such a collection is now empty, unless the operator accepts it explicitly
 * (`--reset-catalog`). Emptying a collection through the API updates what the store remembers, so
 * only changes made behind the store's back are refused.
 */
import type { Catalog } from './catalog.ts';
import { COLLECTIONS, type CollectionName } from './model.ts';
import { StoreLoadError } from './store.ts';

/** Which collections hold at least one document. */
export type CatalogPresence = Readonly<Record<CollectionName, boolean>>;

export function presenceOf(c: Catalog): CatalogPresence {
  return { sites: c.sites.length > 0, cameras: c.cameras.length > 0, profiles: c.profiles.length > 0 };
}

/** Collections the last good catalog had documents in and the loaded one has none (none known: []). */
export function lostCollections(lastGood: CatalogPresence | null, loaded: CatalogPresence): CollectionName[] {
  if (lastGood === null) return [];
  return COLLECTIONS.filter((c) => lastGood[c] && !loaded[c]);
}

/** How the operator tells the server to accept a catalog the guard refused. */
export const RESET_CATALOG_HINT = 'start once with --reset-catalog (or CUPOLA_RESET_CATALOG=1) to accept it as it is';

/** Start-up refused: the catalog lost whole collections. */
export class CatalogLossError extends StoreLoadError {
  constructor(
    readonly lost: readonly CollectionName[],
    /** Where the catalog was read (`data/config.json`, `MongoDB mongodb://…/cupola`). */
    loaded: string,
    /** Where the last good state is known from, and how to restore it. */
    lastGood: string,
  ) {
    super(
      `${loaded} has no ${lost.join(', ')} although the last good catalog (${lastGood}) had some; ` +
        'refusing to start rather than lose cameras and their publish keys. ' +
        `Restore it, or ${RESET_CATALOG_HINT}`,
    );
  }
}

/** Throws CatalogLossError when `loaded` lost a collection `lastGood` had, unless `reset`. Returns what was lost. */
export function guardCatalog(
  lastGood: CatalogPresence | null,
  loaded: CatalogPresence,
  o: { readonly reset: boolean; readonly loaded: string; readonly lastGood: string },
): CollectionName[] {
  const lost = lostCollections(lastGood, loaded);
  if (lost.length > 0 && !o.reset) throw new CatalogLossError(lost, o.loaded, o.lastGood);
  return lost;
}
