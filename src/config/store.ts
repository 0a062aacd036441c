/**
 * The one interface both catalog stores implement (embedded JSON file, MongoDB), and the errors the
 * API maps to HTTP statuses. test/unit/src/config/store-contract.test.ts holds both to it.
 */
import type { Catalog } from './catalog.ts';
import type { CatalogDocuments, CollectionName } from './model.ts';

/** A stored document with its revision: 1 when created, +1 on every replace. */
export interface Versioned<T> {
  readonly value: T;
  readonly revision: number;
}

export type PutMode = 'create' | 'replace' | 'upsert';

export interface PutOptions {
  /** create: fail with StoreConflictError if the id exists; replace: StoreNotFoundError if it does not. Defaults to upsert. */
  readonly mode?: PutMode;
  /** Optimistic concurrency: fail with StoreConflictError unless the stored revision is this one. */
  readonly expectedRevision?: number;
}

export interface DeleteOptions {
  readonly expectedRevision?: number;
}

export interface ConfigChange {
  readonly collection: CollectionName;
  readonly id: string;
  readonly kind: 'put' | 'delete';
  /** The new document (put) or the removed one (delete). */
  readonly value: CatalogDocuments[CollectionName];
  readonly revision: number;
  /** The whole catalog after this change. */
  readonly catalog: Catalog;
}

export type ConfigChangeListener = (change: ConfigChange) => void;

export interface ConfigStore {
  readonly kind: 'file' | 'mongo';
  /** Opens the store and reads every document (validated). Throws StoreLoadError with the reason. */
  load(): Promise<Catalog>;
  /** The current catalog snapshot (frozen). Valid after load(). */
  catalog(): Catalog;
  get<C extends CollectionName>(collection: C, id: string): Promise<Versioned<CatalogDocuments[C]> | undefined>;
  list<C extends CollectionName>(collection: C): Promise<readonly Versioned<CatalogDocuments[C]>[]>;
  /**
   * Writes a validated document and returns it as stored. Throws ConfigValidationError (dangling
   * reference), StoreConflictError, StoreNotFoundError or StoreUnavailableError.
   */
  put<C extends CollectionName>(collection: C, doc: CatalogDocuments[C], options?: PutOptions): Promise<Versioned<CatalogDocuments[C]>>;
  /** Removes a document; false when it did not exist. Throws StoreConflictError when others depend on it. */
  delete(collection: CollectionName, id: string, options?: DeleteOptions): Promise<boolean>;
  /**
   * Calls `listener` after every change, whoever made it (this process or, for MongoDB, another
   * machine). Returns the unsubscribe function.
   */
  watch(listener: ConfigChangeListener): () => void;
  /** Re-reads everything from the backing store and emits the differences. */
  reload(): Promise<Catalog>;
  /** Resolves when the backing store answers (readiness); rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The store cannot be opened: corrupt file, unreachable database, invalid documents. Start-up stops. */
export class StoreLoadError extends Error {
  override readonly name = 'StoreLoadError';
}

/** id already exists (create), revision mismatch, or a delete others depend on: HTTP 409. */
export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError';
}

/** replace of a missing document: HTTP 404. */
export class StoreNotFoundError extends Error {
  override readonly name = 'StoreNotFoundError';
}

/** The write could not be made durable (disk full, read-only, database down): HTTP 503. Nothing changed. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}
