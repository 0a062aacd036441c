/**
 * The production catalog store: MongoDB through the official driver. One collection per catalog
 * collection, `_id` = the document id (the unique lookup key), `_rev` = its revision; cameras are
 * indexed by site and profile for the reference checks. Edits made on another machine arrive through
 * a change stream when the server is a replica set, else by polling. A meta document
 * (`cupola_meta`, `_id: "catalog"`) records which collections have documents, so that a database
 * whose collections were emptied behind the stores' back stops start-up (catalog-guard.ts) instead
 * of being taken, or reseeded, silently.
 */
import { MongoClient, MongoServerError, type ChangeStream, type Collection, type Db } from 'mongodb';
import { redactMongoUrl } from './mongo-url.ts';
import { defaultCatalog, deleteBlocker, referenceIssues, type Catalog } from './catalog.ts';
import { guardCatalog, presenceOf, type CatalogPresence } from './catalog-guard.ts';
import { CatalogState, catalogOfEntries, type LoadedEntry } from './catalog-state.ts';
import { COLLECTIONS, documentSchemas, type CatalogDocuments, type CollectionName } from './model.ts';
import { ConfigValidationError, parseOrThrow } from './schema-kit.ts';
import {
  StoreConflictError,
  StoreLoadError,
  StoreNotFoundError,
  StoreUnavailableError,
  type ConfigChangeListener,
  type ConfigStore,
  type DeleteOptions,
  type PutOptions,
  type Versioned,
} from './store.ts';

export interface MongoStoreOptions {
  /** mongodb:// URL. Never logged as is (it may hold a password); see `redactMongoUrl`. */
  readonly url: string;
  /** Defaults to "cupola". */
  readonly database?: string;
  /** How long start-up waits for a reachable server (ms). Defaults to 5000. */
  readonly serverSelectionTimeoutMs?: number;
  /** Poll interval when change streams are unavailable (standalone server), ms; 0 disables. Defaults to 5000. */
  readonly pollIntervalMs?: number;
  /** Profile that cannot be deleted (the node's default profile). */
  readonly defaultProfile?: string;
  /**
   * Catalog written into an empty database (no document in any collection) on first load, as the
   * file store writes its first config.json. Defaults to the embedded default catalog (so a fresh
   * database has the compression profiles every camera needs); null leaves an empty database empty.
   */
  readonly seed?: (() => Catalog) | null;
  /**
   * Accept a database that lost whole collections against the meta document (`--reset-catalog`);
   * an empty database is then seeded as on a first start. Defaults to false: start-up is refused.
   */
  readonly resetCatalog?: boolean;
  /** Non-fatal problems: invalid documents edited by hand, change stream restarts, poll failures. */
  readonly onWarning?: (message: string) => void;
  readonly onListenerError?: (err: unknown) => void;
}

/** What a catalog document looks like in MongoDB. */
type StoredDoc = { _id: string; _rev: number } & Record<string, unknown>;

const DUPLICATE_KEY = 11000;

/** Collection of the store's own bookkeeping, and its one document. */
export const META_COLLECTION = 'cupola_meta';
const META_ID = 'catalog';
type MetaDoc = { _id: string; present?: Partial<Record<CollectionName, unknown>>; updatedAt?: Date };

export class MongoStore implements ConfigStore {
  readonly kind = 'mongo' as const;
  #options: MongoStoreOptions;
  #client: MongoClient;
  #db: Db;
  #state: CatalogState;
  #changeStream: ChangeStream | null = null;
  #pollTimer: NodeJS.Timeout | null = null;
  #pollFailing = false;
  #closed = false;
  /** Whether edits from other machines arrive live ('change-stream') or by polling. */
  mode: 'change-stream' | 'poll' | 'none' = 'none';

  constructor(options: MongoStoreOptions) {
    this.#options = options;
    this.#client = new MongoClient(options.url, {
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 5000,
      appName: 'cupola',
    });
    this.#db = this.#client.db(options.database ?? 'cupola');
    this.#state = new CatalogState(options.onListenerError);
  }

  #coll(name: CollectionName): Collection<StoredDoc> {
    return this.#db.collection<StoredDoc>(name);
  }

  async load(): Promise<Catalog> {
    const where = `MongoDB ${redactMongoUrl(this.#options.url)}`;
    let replicaSet: boolean;
    try {
      await this.#client.connect();
      const hello = await this.#db.admin().command({ hello: 1 });
      replicaSet = typeof hello['setName'] === 'string';
      await this.#coll('cameras').createIndex({ site: 1 });
      await this.#coll('cameras').createIndex({ profile: 1 }, { sparse: true });
    } catch (err) {
      await this.#client.close().catch(() => undefined);
      throw new StoreLoadError(`cannot reach ${where}: ${(err as Error).message}`, { cause: err });
    }
    let entries = await this.#fetchAll(true);
    const lastGood = await this.#readPresence();
    const lost = guardCatalog(lastGood, presenceOf(catalogOfEntries(entries)), {
      reset: this.#options.resetCatalog === true,
      loaded: where,
      lastGood: `as recorded in its ${META_COLLECTION} collection; restore the documents from a backup`,
    });
    if (lost.length > 0) this.#options.onWarning?.(`${where} has no ${lost.join(', ')}: accepted because of --reset-catalog`);
    const seed = this.#options.seed === undefined ? defaultCatalog : this.#options.seed;
    if (entries.length === 0 && seed !== null) {
      await this.#insertSeed(seed());
      entries = await this.#fetchAll(true);
    }
    this.#state.replaceAll(entries);
    await this.#writePresence(presenceOf(catalogOfEntries(entries)));
    if (replicaSet) this.#startChangeStream();
    else this.#startPolling();
    return this.#state.catalog();
  }

  async reload(): Promise<Catalog> {
    this.#state.replaceAll(await this.#fetchAll(false));
    return this.#state.catalog();
  }

  catalog(): Catalog {
    return this.#state.catalog();
  }

  async get<C extends CollectionName>(collection: C, id: string): Promise<Versioned<CatalogDocuments[C]> | undefined> {
    const raw = await this.#wrap(() => this.#coll(collection).findOne({ _id: id }));
    return raw === null ? undefined : this.#toVersioned(collection, raw, 'warn');
  }

  async list<C extends CollectionName>(collection: C): Promise<readonly Versioned<CatalogDocuments[C]>[]> {
    const raws = await this.#wrap(() => this.#coll(collection).find({}).sort({ _id: 1 }).toArray());
    const out: Versioned<CatalogDocuments[C]>[] = [];
    for (const r of raws) {
      const v = this.#toVersioned(collection, r, 'warn');
      if (v !== undefined) out.push(v);
    }
    return out;
  }

  async put<C extends CollectionName>(collection: C, doc: CatalogDocuments[C], options: PutOptions = {}): Promise<Versioned<CatalogDocuments[C]>> {
    const value = parseOrThrow(documentSchemas[collection], doc, collection);
    const refs = referenceIssues(await this.#fetchCatalog(), collection, value);
    if (refs.length > 0) throw new ConfigValidationError(refs);
    const coll = this.#coll(collection);
    const mode = options.mode ?? 'upsert';
    // Optimistic concurrency: read the revision, write conditionally, retry a bounded number of times.
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.#wrap(() => coll.findOne({ _id: value.id }, { projection: { _rev: 1 } }));
      const rev = current === null ? 0 : Number(current._rev);
      if (mode === 'create' && current !== null) throw new StoreConflictError(`${collection} "${value.id}" already exists`);
      if (mode === 'replace' && current === null) throw new StoreNotFoundError(`${collection} "${value.id}" does not exist`);
      if (options.expectedRevision !== undefined && options.expectedRevision !== rev) {
        throw new StoreConflictError(`${collection} "${value.id}" is at revision ${rev}, not ${options.expectedRevision}`);
      }
      const body = { ...(value as Record<string, unknown>), _rev: rev + 1 };
      if (current === null) {
        try {
          await coll.insertOne({ _id: value.id, ...body });
        } catch (err) {
          if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) continue; // raced with another writer
          throw unavailable(err);
        }
        await this.#markPresent(collection, true);
      } else {
        const res = await this.#wrap(() => coll.replaceOne({ _id: value.id, _rev: rev }, body));
        if (res.matchedCount === 0) continue; // raced with another writer
      }
      this.#state.applyPut(collection, value, rev + 1);
      return { value, revision: rev + 1 };
    }
    throw new StoreConflictError(`${collection} "${value.id}" is being changed concurrently; retry`);
  }

  async delete(collection: CollectionName, id: string, options: DeleteOptions = {}): Promise<boolean> {
    const blocker = deleteBlocker(await this.#fetchCatalog(), collection, id, this.#options.defaultProfile);
    const coll = this.#coll(collection);
    const current = await this.#wrap(() => coll.findOne({ _id: id }, { projection: { _rev: 1 } }));
    if (current === null) return false;
    if (options.expectedRevision !== undefined && options.expectedRevision !== Number(current._rev)) {
      throw new StoreConflictError(`${collection} "${id}" is at revision ${String(current._rev)}, not ${options.expectedRevision}`);
    }
    if (blocker !== null) throw new StoreConflictError(blocker);
    const filter = options.expectedRevision !== undefined ? { _id: id, _rev: options.expectedRevision } : { _id: id };
    const res = await this.#wrap(() => coll.deleteOne(filter));
    if (res.deletedCount === 0) {
      if (options.expectedRevision !== undefined) throw new StoreConflictError(`${collection} "${id}" changed concurrently`);
      return false;
    }
    this.#state.applyDelete(collection, id);
    // Emptied through the store: the next start must not take it for a loss.
    const left = await this.#wrap(() => coll.countDocuments({}, { limit: 1 })).catch(() => 1);
    if (left === 0) await this.#markPresent(collection, false);
    return true;
  }

  watch(listener: ConfigChangeListener): () => void {
    return this.#state.watch(listener);
  }

  async ping(): Promise<void> {
    await this.#db.command({ ping: 1 });
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#pollTimer !== null) clearInterval(this.#pollTimer);
    this.#pollTimer = null;
    const cs = this.#changeStream;
    this.#changeStream = null;
    if (cs !== null) await cs.close().catch(() => undefined);
    await this.#client.close();
  }

  #meta(): Collection<MetaDoc> {
    return this.#db.collection<MetaDoc>(META_COLLECTION);
  }

  /** What the meta document says had documents; null before any node of this version ran. */
  async #readPresence(): Promise<CatalogPresence | null> {
    const doc = await this.#meta().findOne({ _id: META_ID }).catch((err: unknown) => {
      throw new StoreLoadError(`cannot read ${META_COLLECTION} from MongoDB: ${(err as Error).message}`, { cause: err });
    });
    if (doc === null || typeof doc.present !== 'object' || doc.present === null) return null;
    const p = doc.present;
    return { sites: p.sites === true, cameras: p.cameras === true, profiles: p.profiles === true };
  }

  async #writePresence(presence: CatalogPresence): Promise<void> {
    try {
      await this.#meta().updateOne({ _id: META_ID }, { $set: { present: { ...presence }, updatedAt: new Date() } }, { upsert: true });
    } catch (err) {
      this.#options.onWarning?.(`cannot record the catalog state in ${META_COLLECTION}: ${(err as Error).message}`);
    }
  }

  /** Records that a collection has (or no longer has) documents; a failure only warns (the write itself succeeded). */
  async #markPresent(collection: CollectionName, present: boolean): Promise<void> {
    try {
      await this.#meta().updateOne({ _id: META_ID }, { $set: { [`present.${collection}`]: present, updatedAt: new Date() } }, { upsert: true });
    } catch (err) {
      this.#options.onWarning?.(`cannot record the catalog state in ${META_COLLECTION}: ${(err as Error).message}`);
    }
  }

  async #wrap<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw unavailable(err);
    }
  }

  async #fetchCatalog(): Promise<Catalog> {
    return catalogOfEntries(await this.#fetchAll(false));
  }

  /** Every document. strict (start-up): an invalid document is fatal; else it is skipped with a warning. */
  async #fetchAll(strict: boolean): Promise<LoadedEntry[]> {
    const out: LoadedEntry[] = [];
    for (const c of COLLECTIONS) {
      const raws = strict
        ? await this.#coll(c).find({}).toArray().catch((err: unknown) => {
            throw new StoreLoadError(`cannot read ${c} from MongoDB: ${(err as Error).message}`, { cause: err });
          })
        : await this.#wrap(() => this.#coll(c).find({}).toArray());
      for (const raw of raws) {
        const v = this.#toVersioned(c, raw, strict ? 'fatal' : 'warn');
        if (v !== undefined) out.push({ collection: c, value: v.value, revision: v.revision });
      }
    }
    return out;
  }

  #toVersioned<C extends CollectionName>(c: C, raw: StoredDoc, onInvalid: 'fatal' | 'warn'): Versioned<CatalogDocuments[C]> | undefined {
    const { _id, _rev, ...fields } = raw;
    try {
      const value = parseOrThrow(documentSchemas[c], { id: _id, ...fields }, `MongoDB ${c} "${String(_id)}"`);
      return { value, revision: typeof _rev === 'number' && _rev >= 1 ? _rev : 1 };
    } catch (err) {
      if (onInvalid === 'warn') {
        this.#options.onWarning?.(`ignoring invalid document: ${(err as Error).message}`);
        return undefined;
      }
      throw new StoreLoadError((err as Error).message, { cause: err });
    }
  }

  async #insertSeed(seed: Catalog): Promise<void> {
    for (const c of COLLECTIONS) {
      const docs = (seed[c] as readonly { id: string }[]).map((d) => ({ ...(d as Record<string, unknown>), _id: d.id, _rev: 1 }));
      if (docs.length === 0) continue;
      try {
        await this.#coll(c).insertMany(docs, { ordered: false });
      } catch (err) {
        // Another node seeded at the same time: its documents are equivalent.
        if (!(err instanceof MongoServerError && err.code === DUPLICATE_KEY)) {
          throw new StoreLoadError(`cannot seed MongoDB: ${(err as Error).message}`, { cause: err });
        }
      }
    }
  }

  #startChangeStream(): void {
    const cs = this.#db.watch([{ $match: { 'ns.coll': { $in: [...COLLECTIONS] } } }], { fullDocument: 'updateLookup' });
    this.#changeStream = cs;
    this.mode = 'change-stream';
    cs.on('change', (ev) => {
      if (!('ns' in ev) || !('documentKey' in ev)) return;
      const coll = (ev.ns as { coll?: string }).coll as CollectionName;
      const id = String((ev.documentKey as { _id: unknown })._id);
      if (ev.operationType === 'delete') {
        this.#state.applyDelete(coll, id);
      } else if ('fullDocument' in ev && ev.fullDocument != null) {
        const v = this.#toVersioned(coll, ev.fullDocument as StoredDoc, 'warn');
        if (v !== undefined) this.#state.applyPut(coll, v.value, v.revision);
      }
    });
    cs.on('error', (err) => {
      // The driver resumes by itself after resumable errors; this is a non-resumable one.
      if (this.#closed) return;
      this.#options.onWarning?.(`MongoDB change stream failed (${err.message}); polling instead`);
      this.#changeStream = null;
      cs.close().catch(() => undefined);
      this.#startPolling();
    });
  }

  #startPolling(): void {
    const every = this.#options.pollIntervalMs ?? 5000;
    if (every <= 0 || this.#closed) return;
    this.mode = 'poll';
    this.#pollTimer = setInterval(() => {
      this.reload().then(
        () => {
          if (this.#pollFailing) this.#options.onWarning?.('MongoDB reachable again');
          this.#pollFailing = false;
        },
        (err: unknown) => {
          if (!this.#pollFailing) this.#options.onWarning?.(`MongoDB poll failed: ${(err as Error).message}`);
          this.#pollFailing = true;
        },
      );
    }, every);
    this.#pollTimer.unref();
  }
}


function unavailable(err: unknown): Error {
  if (err instanceof StoreConflictError || err instanceof StoreNotFoundError || err instanceof ConfigValidationError) return err;
  if (err instanceof StoreUnavailableError) return err;
  return new StoreUnavailableError(`MongoDB: ${(err as Error).message}`, { cause: err });
}
