/**
 * The embedded catalog store: one JSON file under the data dir, replaced atomically on every write
 * (temp file, fsync, rename, fsync dir). A corrupt file stops start-up with the file's name and the
 * problem, and is never overwritten; a failed write leaves the old file and the in-memory catalog as
 * they were. Every file written or accepted is also kept as `config.json.bak`, the last good
 * catalog: a file that parses but lost whole collections (`{}`) stops start-up (catalog-guard.ts).
 */
import { access, constants, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { removeStaleTemps, writeFileAtomic, isErrno } from './atomic-write.ts';
import { CATALOG_FILE_VERSION, catalogIssues, defaultCatalog, deleteBlocker, parseCatalog, referenceIssues, type Catalog } from './catalog.ts';
import { guardCatalog, presenceOf, type CatalogPresence } from './catalog-guard.ts';
import { CatalogState, catalogOfEntries, type LoadedEntry } from './catalog-state.ts';
import { COLLECTIONS, documentSchemas, type CatalogDocuments, type CollectionName } from './model.ts';
import { ConfigValidationError, parseOrThrow } from './schema-kit.ts';
import { fileKind } from './settings.ts';
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

/** The catalog file under the data dir unless `file` names another. */
export const CATALOG_FILE_NAME = 'config.json';

/** The last good catalog, beside the catalog file. */
export function backupFileOf(file: string): string {
  return `${file}.bak`;
}

export interface FileStoreOptions {
  /** Directory holding config.json; created when missing. */
  readonly dataDir: string;
  /** The catalog file. Defaults to `<dataDir>/config.json` (not the `serve --config` settings file); its directory is created when missing. */
  readonly file?: string;
  /** Catalog written when the file does not exist yet. Defaults to the embedded default catalog. */
  readonly seed?: () => Catalog;
  /** Profile that cannot be deleted (the node's default profile). */
  readonly defaultProfile?: string;
  /** Called when a watcher throws. */
  readonly onListenerError?: (err: unknown) => void;
  /**
   * Accept a catalog file that lost whole collections against the backup (`--reset-catalog`);
   * it becomes the new last good catalog. Defaults to false: start-up is refused.
   */
  readonly resetCatalog?: boolean;
  /** Non-fatal problems: the backup cannot be written or read, a reset catalog was accepted. */
  readonly onWarning?: (message: string) => void;
}

/** A catalog file as read: its entries and its text (copied verbatim to the backup). */
interface ReadCatalog {
  readonly entries: LoadedEntry[];
  readonly text: string;
}

type AnyDoc = CatalogDocuments[CollectionName];

export class FileStore implements ConfigStore {
  readonly kind = 'file' as const;
  /** Absolute or relative path of the catalog file. */
  readonly file: string;
  /** The last good catalog (`<file>.bak`). */
  readonly backupFile: string;
  #options: FileStoreOptions;
  #state: CatalogState;
  /** Writes run one at a time, in call order. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: FileStoreOptions) {
    this.#options = options;
    this.file = options.file ?? join(options.dataDir, CATALOG_FILE_NAME);
    this.backupFile = backupFileOf(this.file);
    this.#state = new CatalogState(options.onListenerError);
  }

  async load(): Promise<Catalog> {
    try {
      await mkdir(dirname(this.file), { recursive: true });
      await removeStaleTemps(this.file);
      await removeStaleTemps(this.backupFile);
    } catch (err) {
      throw new StoreLoadError(`cannot use directory ${dirname(this.file)}: ${(err as Error).message}`, { cause: err });
    }
    const read = await this.#readFile(this.file);
    if (read === null) {
      // First start (no file): the seed. A backup left beside a deleted file is not restored by itself.
      const seed = (this.#options.seed ?? defaultCatalog)();
      const issues = catalogIssues(seed);
      if (issues.length > 0) throw new StoreLoadError(new ConfigValidationError(issues, 'seed catalog').message);
      const entries = entriesOf(seed, () => 1);
      const text = serialize(entries);
      try {
        await writeFileAtomic(this.file, text);
      } catch (err) {
        throw new StoreLoadError(`cannot create ${this.file}: ${(err as Error).message}`, { cause: err });
      }
      this.#state.replaceAll(entries);
      await this.#writeBackup(text);
      return this.#state.catalog();
    }
    const backup = await this.#lastGood();
    const lost = guardCatalog(backup?.presence ?? null, presenceOf(catalogOfEntries(read.entries)), {
      reset: this.#options.resetCatalog === true,
      loaded: this.file,
      lastGood: `${this.backupFile}; copy it over ${this.file} to restore it`,
    });
    if (lost.length > 0) this.#options.onWarning?.(`${this.file} has no ${lost.join(', ')}: accepted because of --reset-catalog`);
    this.#state.replaceAll(read.entries);
    if (backup?.text !== read.text) await this.#writeBackup(read.text);
    return this.#state.catalog();
  }

  async reload(): Promise<Catalog> {
    const read = await this.#readFile(this.file);
    if (read === null) throw new StoreLoadError(`${this.file} has disappeared`);
    this.#state.replaceAll(read.entries);
    return this.#state.catalog();
  }

  catalog(): Catalog {
    return this.#state.catalog();
  }

  async get<C extends CollectionName>(collection: C, id: string): Promise<Versioned<CatalogDocuments[C]> | undefined> {
    return this.#state.get(collection, id);
  }

  async list<C extends CollectionName>(collection: C): Promise<readonly Versioned<CatalogDocuments[C]>[]> {
    return this.#state.list(collection);
  }

  put<C extends CollectionName>(collection: C, doc: CatalogDocuments[C], options: PutOptions = {}): Promise<Versioned<CatalogDocuments[C]>> {
    return this.#serial(async () => {
      const value = parseOrThrow(documentSchemas[collection], doc, collection);
      const old = this.#state.get(collection, value.id);
      checkPut(collection, value.id, old?.revision, options);
      const refs = referenceIssues(this.#state.catalog(), collection, value);
      if (refs.length > 0) throw new ConfigValidationError(refs);
      const revision = (old?.revision ?? 0) + 1;
      await this.#persist(collection, value.id, value, revision);
      this.#state.applyPut(collection, value, revision);
      return { value, revision };
    });
  }

  delete(collection: CollectionName, id: string, options: DeleteOptions = {}): Promise<boolean> {
    return this.#serial(async () => {
      const old = this.#state.get(collection, id);
      if (old === undefined) return false;
      if (options.expectedRevision !== undefined && options.expectedRevision !== old.revision) {
        throw new StoreConflictError(`${collection} "${id}" is at revision ${old.revision}, not ${options.expectedRevision}`);
      }
      const blocker = deleteBlocker(this.#state.catalog(), collection, id, this.#options.defaultProfile);
      if (blocker !== null) throw new StoreConflictError(blocker);
      await this.#persist(collection, id, undefined, 0);
      this.#state.applyDelete(collection, id);
      return true;
    });
  }

  watch(listener: ConfigChangeListener): () => void {
    return this.#state.watch(listener);
  }

  async ping(): Promise<void> {
    await access(dirname(this.file), constants.R_OK);
  }

  async close(): Promise<void> {
    await this.#queue.catch(() => {
      // The failure was reported to the writer's caller; closing only waits for the queue to drain.
    });
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Writes the whole file with one document replaced (value) or removed (undefined). */
  async #persist(collection: CollectionName, id: string, value: AnyDoc | undefined, revision: number): Promise<void> {
    const entries: LoadedEntry[] = [];
    let replaced = false;
    for (const c of COLLECTIONS) {
      for (const v of this.#state.list(c)) {
        if (c === collection && v.value.id === id) {
          replaced = true;
          if (value !== undefined) entries.push({ collection: c, value, revision });
        } else {
          entries.push({ collection: c, value: v.value, revision: v.revision });
        }
      }
    }
    if (!replaced && value !== undefined) entries.push({ collection, value, revision });
    const text = serialize(entries);
    try {
      await writeFileAtomic(this.file, text);
    } catch (err) {
      throw new StoreUnavailableError(`cannot write ${this.file}: ${(err as Error).message}`, { cause: err });
    }
    await this.#writeBackup(text);
  }

  /** Keeps `text` (a catalog just written or accepted) as the last good catalog. Failure only warns: the catalog itself is safe. */
  async #writeBackup(text: string): Promise<void> {
    try {
      await writeFileAtomic(this.backupFile, text);
    } catch (err) {
      this.#options.onWarning?.(`cannot write the catalog backup ${this.backupFile}: ${(err as Error).message}`);
    }
  }

  /** The backup's collections and text; null when there is none (first start, or an older version wrote the file) or it is unreadable. */
  async #lastGood(): Promise<{ presence: CatalogPresence; text: string } | null> {
    try {
      const read = await this.#readFile(this.backupFile);
      return read === null ? null : { presence: presenceOf(catalogOfEntries(read.entries)), text: read.text };
    } catch (err) {
      this.#options.onWarning?.(`ignoring the catalog backup: ${(err as Error).message}`);
      return null;
    }
  }

  /** A catalog file's entries and text, or null when it does not exist. Throws StoreLoadError naming the file. */
  async #readFile(file: string): Promise<ReadCatalog | null> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      throw new StoreLoadError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
    const keep = 'it was left untouched; fix it or move it away';
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new StoreLoadError(`${file} is not valid JSON (${(err as Error).message}); ${keep}`, { cause: err });
    }
    try {
      const { revisions, rest } = splitRevisions(raw);
      const catalog = parseCatalog(rest);
      return { entries: entriesOf(catalog, (c, id) => revisions[`${c}:${id}`] ?? 1), text };
    } catch (err) {
      // A node settings file put where the catalog belongs: say which file this place expects.
      const hint = fileKind(raw) === 'settings' ? ' (this looks like a node settings file: pass it with --config; the data dir holds the catalog: version, sites, cameras, profiles)' : '';
      throw new StoreLoadError(`${file} is invalid${hint}: ${(err as Error).message}; ${keep}`, { cause: err });
    }
  }
}


function checkPut(collection: CollectionName, id: string, current: number | undefined, options: PutOptions): void {
  const mode = options.mode ?? 'upsert';
  if (mode === 'create' && current !== undefined) throw new StoreConflictError(`${collection} "${id}" already exists`);
  if (mode === 'replace' && current === undefined) throw new StoreNotFoundError(`${collection} "${id}" does not exist`);
  if (options.expectedRevision !== undefined && options.expectedRevision !== (current ?? 0)) {
    throw new StoreConflictError(`${collection} "${id}" is at revision ${current ?? 0}, not ${options.expectedRevision}`);
  }
}

function entriesOf(c: Catalog, revision: (c: CollectionName, id: string) => number): LoadedEntry[] {
  const out: LoadedEntry[] = [];
  for (const name of COLLECTIONS) for (const v of c[name]) out.push({ collection: name, value: v, revision: revision(name, v.id) });
  return out;
}

function serialize(entries: readonly LoadedEntry[]): string {
  const doc: Record<CollectionName, AnyDoc[]> & { version: number; revisions: Record<string, number> } = {
    version: CATALOG_FILE_VERSION,
    sites: [],
    cameras: [],
    profiles: [],
    revisions: {},
  };
  for (const e of entries) {
    doc[e.collection].push(e.value);
    doc.revisions[`${e.collection}:${e.value.id}`] = e.revision;
  }
  return JSON.stringify(doc, null, 2) + '\n';
}

function splitRevisions(raw: unknown): { revisions: Record<string, number>; rest: unknown } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { revisions: {}, rest: raw };
  const { revisions, ...rest } = raw as Record<string, unknown>;
  if (revisions === undefined) return { revisions: {}, rest };
  if (typeof revisions !== 'object' || revisions === null || Array.isArray(revisions)) {
    throw new ConfigValidationError([{ path: 'revisions', message: 'expected an object' }]);
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(revisions)) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new ConfigValidationError([{ path: `revisions.${k}`, message: 'expected a whole number >= 1' }]);
    }
    out[k] = v;
  }
  return { revisions: out, rest };
}
