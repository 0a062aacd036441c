/**
 * CRUD for sites, cameras and compression profiles under /api/v1, over the ConfigStore:
 * 400 with field errors, 404, 409 on conflicts (existing id, stale revision, still referenced),
 * 503 when the store cannot write.
 */
import { documentSchemas, type CatalogDocuments, type CollectionName } from '../config/model.ts';
import { ConfigValidationError, parseOrThrow } from '../config/schema-kit.ts';
import type { ConfigStore, PutMode, Versioned } from '../config/store.ts';
import { CAMERA_READ_ONLY_FIELDS, CAMERA_WRITE_ONLY_FIELDS, publicCamera } from '../core/public-camera.ts';
import { HttpError, errorReply, type Handler, type Reply, type RequestContext } from './http.ts';
import type { CompressionView } from './types.ts';

export interface RouteDef {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'del';
  readonly pattern: string;
  readonly paramCount: number;
  readonly body?: boolean;
  readonly handler: Handler;
}

/** Document plus its revision, as the API shows it (`view` hides write-only fields). */
function present<T>(v: Versioned<T>, view?: (doc: T) => object): object {
  return { ...(view === undefined ? v.value : view(v.value)), revision: v.revision };
}

/**
 * Splits `revision` (optimistic concurrency) off a request body, and drops the read-only fields the
 * GET reply adds (so a client may PUT back what it read).
 */
function splitBody(body: unknown, readOnly: readonly string[] = []): { doc: Record<string, unknown>; revision: number | undefined } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ConfigValidationError([{ path: '', message: 'request body must be a JSON object' }]);
  }
  const { revision, ...doc } = body as Record<string, unknown>;
  for (const field of readOnly) delete doc[field];
  if (revision !== undefined && (typeof revision !== 'number' || !Number.isInteger(revision) || revision < 0)) {
    throw new ConfigValidationError([{ path: 'revision', message: 'expected a whole number' }]);
  }
  return { doc, revision: revision as number | undefined };
}

/** A body naming another document than the URL is refused (PUT and PATCH alike), never silently re-aimed. */
function checkBodyId(doc: Record<string, unknown>, id: string): void {
  if (doc['id'] !== undefined && doc['id'] !== id) {
    throw new ConfigValidationError([{ path: 'id', message: `"${String(doc['id'])}" does not match the URL ("${id}")` }]);
  }
}

function revisionParam(ctx: RequestContext): number | undefined {
  const raw = ctx.query.get('revision');
  if (raw === null) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new HttpError(400, 'revision must be a whole number');
  return n;
}

interface CollectionRoutesOptions<C extends CollectionName> {
  readonly collection: C;
  /** Path below /api/v1, e.g. `/cameras`. */
  readonly base: string;
  /** Pattern after the base for one document, e.g. `/:site/:name`. */
  readonly idPattern: string;
  readonly idParams: number;
  /** The document id from the route parameters. */
  readonly idOf: (params: readonly string[]) => string;
  readonly filter?: (ctx: RequestContext, doc: CatalogDocuments[C]) => boolean;
  /** Read-only fields added to the GET reply of one document (live state, not stored). */
  readonly extra?: (id: string) => Record<string, unknown>;
  /** Fields of `extra` and `view`, dropped from request bodies. */
  readonly readOnlyFields?: readonly string[];
  /** How a stored document is shown (secrets left out). Defaults to the document itself. */
  readonly view?: (doc: CatalogDocuments[C]) => object;
  /**
   * Secret fields never shown (`view` leaves them out): a PUT without the field keeps the stored
   * value, so a client may PUT back what it read; `null` removes it. PATCH merges as for any field.
   */
  readonly writeOnlyFields?: readonly string[];
}

export function collectionRoutes<C extends CollectionName>(store: ConfigStore, o: CollectionRoutesOptions<C>): RouteDef[] {
  const schema = documentSchemas[o.collection];
  const one = `/api/v1${o.base}${o.idPattern}`;
  const label = o.collection.replace(/s$/, '');

  const show = (v: Versioned<CatalogDocuments[C]>): object => present(v, o.view);

  const write = async (ctx: RequestContext, mode: PutMode, id: string | undefined): Promise<Reply> => {
    const { doc, revision } = splitBody(ctx.body, o.readOnlyFields);
    if (id !== undefined) {
      checkBodyId(doc, id);
      doc['id'] = id;
      const keep = (o.writeOnlyFields ?? []).filter((f) => !Object.hasOwn(doc, f));
      if (keep.length > 0) {
        const current = (await store.get(o.collection, id))?.value as Record<string, unknown> | undefined;
        for (const f of keep) if (current?.[f] !== undefined) doc[f] = current[f];
      }
    }
    const value = parseOrThrow(schema, doc);
    const stored = await store.put(o.collection, value, { mode, ...(revision !== undefined ? { expectedRevision: revision } : {}) });
    const created = stored.revision === 1;
    return {
      status: created ? 201 : 200,
      body: show(stored),
      ...(created ? { headers: { location: `/api/v1${o.base}/${stored.value.id}` } } : {}),
    };
  };

  return [
    {
      method: 'get',
      pattern: `/api/v1${o.base}`,
      paramCount: 0,
      handler: async (ctx) => {
        const all = await store.list(o.collection);
        const items = o.filter === undefined ? all : all.filter((v) => o.filter!(ctx, v.value));
        return { status: 200, body: { items: items.map(show) } };
      },
    },
    { method: 'post', pattern: `/api/v1${o.base}`, paramCount: 0, body: true, handler: (ctx) => write(ctx, 'create', undefined) },
    {
      method: 'get',
      pattern: one,
      paramCount: o.idParams,
      handler: async (ctx) => {
        const id = o.idOf(ctx.params);
        const v = await store.get(o.collection, id);
        if (v === undefined) return errorReply(404, `${label} "${id}" not found`);
        return { status: 200, body: o.extra === undefined ? show(v) : { ...show(v), ...o.extra(id) } };
      },
    },
    { method: 'put', pattern: one, paramCount: o.idParams, body: true, handler: (ctx) => write(ctx, 'upsert', o.idOf(ctx.params)) },
    {
      method: 'patch',
      pattern: one,
      paramCount: o.idParams,
      body: true,
      handler: async (ctx) => {
        const id = o.idOf(ctx.params);
        const current = await store.get(o.collection, id);
        if (current === undefined) return errorReply(404, `${label} "${id}" not found`);
        const { doc, revision } = splitBody(ctx.body, o.readOnlyFields);
        checkBodyId(doc, id);
        const merged = { ...current.value, ...doc, id };
        const value = parseOrThrow(schema, merged);
        const stored = await store.put(o.collection, value, { mode: 'replace', expectedRevision: revision ?? current.revision });
        return { status: 200, body: show(stored) };
      },
    },
    {
      method: 'del',
      pattern: one,
      paramCount: o.idParams,
      handler: async (ctx) => {
        const id = o.idOf(ctx.params);
        const revision = revisionParam(ctx);
        const removed = await store.delete(o.collection, id, revision !== undefined ? { expectedRevision: revision } : {});
        return removed ? { status: 204 } : errorReply(404, `${label} "${id}" not found`);
      },
    },
  ];
}

export interface CatalogRoutesOptions {
  /**
   * The node's compression status per camera: GET /api/v1/cameras/:site/:name then carries it as a
   * read-only `compression` field (null while the camera is not compressed here). Absent on nodes
   * that do not compress (the field is left out).
   */
  readonly compression?: CompressionView;
}

/** The compression status of one camera in a CompressionView's list (items carry their `path`). */
function compressionOf(view: CompressionView, id: string): object | null {
  return view.list().find((s) => (s as { path?: unknown }).path === id) ?? null;
}

export function catalogRoutes(store: ConfigStore, options: CatalogRoutesOptions = {}): RouteDef[] {
  const view = options.compression;
  return [
    ...collectionRoutes(store, { collection: 'sites', base: '/sites', idPattern: '/:id', idParams: 1, idOf: (p) => p[0]! }),
    ...collectionRoutes(store, { collection: 'profiles', base: '/profiles', idPattern: '/:id', idParams: 1, idOf: (p) => p[0]! }),
    ...collectionRoutes(store, {
      collection: 'cameras',
      base: '/cameras',
      idPattern: '/:site/:name',
      idParams: 2,
      idOf: (p) => `${p[0]!}/${p[1]!}`,
      filter: (ctx, cam) => {
        const site = ctx.query.get('site');
        return site === null || cam.site === site;
      },
      view: publicCamera,
      writeOnlyFields: CAMERA_WRITE_ONLY_FIELDS,
      readOnlyFields: [...CAMERA_READ_ONLY_FIELDS, ...(view !== undefined ? ['compression'] : [])],
      ...(view !== undefined ? { extra: (id: string) => ({ compression: compressionOf(view, id) }) } : {}),
    }),
  ];
}
