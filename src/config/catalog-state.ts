/**
 * In-memory catalog with per-document revisions and change listeners, shared by both stores: the
 * store persists, then applies the change here, which rebuilds the snapshot and notifies watchers.
 */
import { freezeCatalog, type Catalog } from './catalog.ts';
import { COLLECTIONS, sameDocument, type CatalogDocuments, type CollectionName } from './model.ts';
import type { ConfigChange, ConfigChangeListener, Versioned } from './store.ts';

type AnyDoc = CatalogDocuments[CollectionName];
type Docs = { [C in CollectionName]: Map<string, Versioned<CatalogDocuments[C]>> };

/** One entry of a full load: a document and its revision. */
export interface LoadedEntry<C extends CollectionName = CollectionName> {
  readonly collection: C;
  readonly value: CatalogDocuments[C];
  readonly revision: number;
}

/** The catalog the entries of a full load make up (both stores' start-up guard reads it). */
export function catalogOfEntries(entries: readonly LoadedEntry[]): Catalog {
  const pick = <C extends CollectionName>(c: C): CatalogDocuments[C][] => entries.filter((e) => e.collection === c).map((e) => e.value as CatalogDocuments[C]);
  return freezeCatalog({ sites: pick('sites'), cameras: pick('cameras'), profiles: pick('profiles') });
}

function emptyDocs(): Docs {
  return { sites: new Map(), cameras: new Map(), profiles: new Map() };
}

export class CatalogState {
  #docs: Docs = emptyDocs();
  #catalog: Catalog = freezeCatalog({ sites: [], cameras: [], profiles: [] });
  #listeners = new Set<ConfigChangeListener>();
  #onListenerError: (err: unknown) => void;

  constructor(onListenerError: (err: unknown) => void = () => {}) {
    this.#onListenerError = onListenerError;
  }

  catalog(): Catalog {
    return this.#catalog;
  }

  get<C extends CollectionName>(collection: C, id: string): Versioned<CatalogDocuments[C]> | undefined {
    return (this.#docs[collection] as Map<string, Versioned<CatalogDocuments[C]>>).get(id);
  }

  list<C extends CollectionName>(collection: C): Versioned<CatalogDocuments[C]>[] {
    return [...(this.#docs[collection] as Map<string, Versioned<CatalogDocuments[C]>>).values()];
  }

  watch(listener: ConfigChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Replaces everything (load, reload, poll) and emits one change per difference. */
  replaceAll(entries: readonly LoadedEntry[]): ConfigChange[] {
    const next = emptyDocs();
    for (const e of entries) (next[e.collection] as Map<string, Versioned<AnyDoc>>).set(e.value.id, { value: e.value, revision: e.revision });
    const pending: Omit<ConfigChange, 'catalog'>[] = [];
    for (const c of COLLECTIONS) {
      const before = this.#docs[c] as Map<string, Versioned<AnyDoc>>;
      const after = next[c] as Map<string, Versioned<AnyDoc>>;
      for (const [id, v] of after) {
        const old = before.get(id);
        if (old === undefined || old.revision !== v.revision || !sameDocument(old.value, v.value)) {
          pending.push({ collection: c, id, kind: 'put', value: v.value, revision: v.revision });
        }
      }
      for (const [id, old] of before) {
        if (!after.has(id)) pending.push({ collection: c, id, kind: 'delete', value: old.value, revision: old.revision });
      }
    }
    this.#docs = next;
    this.#rebuild();
    const changes = pending.map((p) => ({ ...p, catalog: this.#catalog }));
    for (const ch of changes) this.#emit(ch);
    return changes;
  }

  /**
   * Applies one put; ignored (null) when this revision is already known — a change stream echoes
   * this process's own writes.
   */
  applyPut<C extends CollectionName>(collection: C, value: CatalogDocuments[C], revision: number): ConfigChange | null {
    const map = this.#docs[collection] as Map<string, Versioned<AnyDoc>>;
    const old = map.get(value.id);
    if (old !== undefined && old.revision >= revision) return null;
    map.set(value.id, { value, revision });
    this.#rebuild();
    const change: ConfigChange = { collection, id: value.id, kind: 'put', value, revision, catalog: this.#catalog };
    this.#emit(change);
    return change;
  }

  /** Applies one delete; null when the document was not there. */
  applyDelete(collection: CollectionName, id: string): ConfigChange | null {
    const map = this.#docs[collection] as Map<string, Versioned<AnyDoc>>;
    const old = map.get(id);
    if (old === undefined) return null;
    map.delete(id);
    this.#rebuild();
    const change: ConfigChange = { collection, id, kind: 'delete', value: old.value, revision: old.revision, catalog: this.#catalog };
    this.#emit(change);
    return change;
  }

  #rebuild(): void {
    const values = <C extends CollectionName>(c: C): CatalogDocuments[C][] =>
      [...(this.#docs[c] as Map<string, Versioned<CatalogDocuments[C]>>).values()].map((v) => v.value);
    this.#catalog = freezeCatalog({ sites: values('sites'), cameras: values('cameras'), profiles: values('profiles') });
  }

  #emit(change: ConfigChange): void {
    for (const l of this.#listeners) {
      try {
        l(change);
      } catch (err) {
        // A failing watcher must not undo a durable write or starve the other watchers.
        this.#onListenerError(err);
      }
    }
  }
}
