/**
 * uWebSockets.js glue for JSON routes: reads what a handler needs from the stack-allocated request
 * synchronously, collects the body (bounded), runs the async handler, maps errors to statuses and
 * writes the reply corked, unless the client went away meanwhile.
 */
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { ConfigValidationError, type ConfigIssue } from '../config/schema-kit.ts';
import { StoreConflictError, StoreNotFoundError, StoreUnavailableError } from '../config/store.ts';
import { isJsonContentType, type OriginPolicy } from './origin-policy.ts';
import { redactCredentials } from '../core/redact-credentials.ts';
import type { ApiLogger } from './types.ts';

/** Largest request body accepted. */
export const MAX_BODY_BYTES = 1024 * 1024;

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly fields?: readonly ConfigIssue[],
  ) {
    super(message);
  }
}

export interface Reply {
  readonly status: number;
  /** JSON-serialised unless it is a string or Buffer (then sent as is). */
  readonly body?: unknown;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RequestContext {
  readonly method: string;
  readonly url: string;
  readonly query: URLSearchParams;
  /** Route parameters, URL-decoded. */
  readonly params: readonly string[];
  readonly authorization: string;
  /** The parsed JSON body (undefined when the route takes none or it was empty). */
  readonly body: unknown;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

export function statusLine(status: number): string {
  return `${status} ${STATUS_TEXT[status] ?? 'Unknown'}`;
}

export function errorReply(status: number, message: string, fields?: readonly ConfigIssue[]): Reply {
  return { status, body: { error: { status, message, ...(fields !== undefined ? { fields } : {}) } } };
}

/** Maps store/validation errors to HTTP; anything else is a 500 (logged, details not leaked). */
export function replyForError(err: unknown, log: ApiLogger, route: string): Reply {
  if (err instanceof HttpError) return errorReply(err.status, err.message, err.fields);
  if (err instanceof ConfigValidationError) return errorReply(400, err.message, err.issues);
  if (err instanceof StoreNotFoundError) return errorReply(404, err.message);
  if (err instanceof StoreConflictError) return errorReply(409, err.message);
  if (err instanceof StoreUnavailableError) return errorReply(503, err.message);
  log.error('api handler failed', { route, error: (err as Error)?.message ?? String(err) });
  return errorReply(500, 'internal error');
}

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, `malformed URL parameter "${raw}"`);
  }
}

export function writeReply(res: HttpResponse, reply: Reply): void {
  let payload: string | Buffer | undefined;
  let contentType = reply.contentType;
  if (reply.body === undefined) payload = undefined;
  else if (typeof reply.body === 'string' || Buffer.isBuffer(reply.body)) payload = reply.body;
  else {
    // No reply carries URL credentials (ffmpeg stderr tails, pull/push URLs of a protected factory).
    payload = redactCredentials(JSON.stringify(reply.body));
    contentType ??= 'application/json; charset=utf-8';
  }
  res.cork(() => {
    res.writeStatus(statusLine(reply.status));
    if (contentType !== undefined) res.writeHeader('content-type', contentType);
    res.writeHeader('cache-control', 'no-store');
    for (const [k, v] of Object.entries(reply.headers ?? {})) res.writeHeader(k, v);
    if (payload === undefined) res.end();
    else res.end(payload);
  });
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

/** What a guard may know of the client besides its credentials. */
export interface GuardClient {
  /** Peer IP address as text. */
  readonly ip: string;
  /** The request's URL path. */
  readonly url: string;
}

export interface HandleOptions {
  readonly paramCount: number;
  readonly readBody: boolean;
  /**
   * Runs before the handler; a Reply refuses the request (auth). A promise (an external access
   * check) is awaited while the body is read; the handler runs only once it allowed.
   */
  readonly guard?: (authorization: string, query: URLSearchParams, client: GuardClient) => Reply | null | Promise<Reply | null>;
  readonly log: ApiLogger;
  readonly route: string;
  /**
   * Cross-site guard for state-changing methods (POST, PUT, PATCH, DELETE): a browser Origin that is
   * neither the API's own nor allowed is 403, and a body that is not `Content-Type: application/json`
   * is 415 (a cross-site form or `text/plain` fetch cannot send that type without a CORS preflight).
   */
  readonly origins?: OriginPolicy;
}

const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Why a state-changing request is refused before its body is read, or null. */
function refuseWrite(origins: OriginPolicy, method: string, origin: string, host: string, contentType: string, readBody: boolean): Reply | null {
  if (!WRITE_METHODS.has(method)) return null;
  if (!origins.allows(origin, host)) {
    return errorReply(403, `cross-origin ${method} refused: Origin ${origin} is not this API's origin nor listed in api.allowedOrigins`);
  }
  if (readBody && contentType !== '' && !isJsonContentType(contentType)) return UNSUPPORTED_MEDIA_TYPE;
  return null;
}

const UNSUPPORTED_MEDIA_TYPE = errorReply(415, 'request body must be sent as Content-Type: application/json');

/** Returns a uWS handler running `handler` with everything read up front. */
export function uwsHandler(handler: Handler, opts: HandleOptions): (res: HttpResponse, req: HttpRequest) => void {
  return (res, req) => {
    let done = false;
    res.onAborted(() => {
      done = true;
    });
    const finish = (reply: Reply): void => {
      if (done) return;
      done = true;
      writeReply(res, reply);
    };
    const method = req.getMethod().toUpperCase();
    const url = req.getUrl();
    const query = new URLSearchParams(req.getQuery() ?? '');
    const authorization = req.getHeader('authorization');
    const contentType = req.getHeader('content-type');
    const rawParams: string[] = [];
    for (let i = 0; i < opts.paramCount; i++) rawParams.push(req.getParameter(i) ?? '');
    const guarded = opts.guard?.(authorization, query, { ip: Buffer.from(res.getRemoteAddressAsText()).toString(), url }) ?? null;
    const pending = guarded instanceof Promise ? guarded : null;
    const refused =
      (pending === null ? guarded : null) ??
      (opts.origins !== undefined ? refuseWrite(opts.origins, method, req.getHeader('origin'), req.getHeader('host'), contentType, opts.readBody) : null);
    if (refused !== null) return finish(refused as Reply);
    const run = (body: unknown): void => {
      void (async () => {
        const denied = pending === null ? null : await pending;
        if (denied !== null) return denied;
        const params = rawParams.map(decodeParam);
        return handler({ method, url, query, params, authorization, body });
      })().then(finish, (err: unknown) => finish(replyForError(err, opts.log, opts.route)));
    };
    if (!opts.readBody) return run(undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    res.onData((chunk, isLast) => {
      if (done) return;
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) return finish(errorReply(413, `request body over ${MAX_BODY_BYTES} bytes`));
      // uWS neuters the ArrayBuffer after this callback: copy it.
      chunks.push(Buffer.copyBytesFrom(new Uint8Array(chunk)));
      if (!isLast) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return run(undefined);
      // A body without any Content-Type (a typeless Blob from another site) is refused like text/plain.
      if (opts.origins !== undefined && !isJsonContentType(contentType)) return finish(UNSUPPORTED_MEDIA_TYPE);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (err) {
        return finish(errorReply(400, `request body is not valid JSON: ${(err as Error).message}`));
      }
      run(body);
    });
  };
}
