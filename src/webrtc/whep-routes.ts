/**
 * WHEP (draft-ietf-wish-whep) on the API's uWebSockets.js app:
 *   POST   /whep/<factory>/<site>/<camera>            SDP offer (application/sdp) -> 201 answer + Location
 *   PATCH  /whep/<factory>/<site>/<camera>/<session>  trickle ICE (application/trickle-ice-sdpfrag) -> 204
 *   DELETE /whep/<factory>/<site>/<camera>/<session>  ends the session -> 200
 *   OPTIONS /whep/...                                 CORS preflight
 * An explicit exception to the API's JSON-only rule for bodies: WHEP bodies are SDP. Origin: WHEP
 * is a read, but a page on a foreign site must not pull a LAN camera through an operator's browser,
 * so a browser Origin must be the API's own or listed in `api.allowedOrigins` (the digital twin);
 * requests without Origin (players, curl) are not concerned. Reads need what RTSP reading of the
 * factory needs (WhepAuth).
 */
import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { MAX_OFFER_BYTES } from '../../protocols/webrtc/whep-offer.ts';
import { errorReply, writeReply, type Reply } from '../api/http.ts';
import type { OriginPolicy } from '../api/origin-policy.ts';
import type { ApiLogger } from '../api/types.ts';
import type { FactoryName } from '../streams/types.ts';
import type { WhepAuth } from './whep-auth.ts';
import { WhepError, type WhepService } from './whep-service.ts';

export const WHEP_PREFIX = '/whep';

export interface WhepRoutesDeps {
  readonly service: WhepService;
  readonly auth: WhepAuth;
  readonly origins: OriginPolicy;
  readonly log: ApiLogger;
}

const FACTORIES: readonly FactoryName[] = ['raw', 'compressed'];
const SDP_TYPE = /^\s*application\/sdp\s*(;.*)?$/i;
const TRICKLE_TYPE = /^\s*application\/trickle-ice-sdpfrag\s*(;.*)?$/i;

/** The URL of a camera's WHEP endpoint (path part). */
export function whepPath(factory: FactoryName, cameraId: string): string {
  return `${WHEP_PREFIX}/${factory}/${cameraId}`;
}

interface Req {
  readonly method: string;
  readonly origin: string;
  readonly host: string;
  readonly authorization: string;
  readonly contentType: string;
  readonly query: URLSearchParams;
  readonly params: readonly string[];
  /** Peer address (ip only). */
  readonly ip: string;
}

function corsHeaders(origin: string): Record<string, string> {
  if (origin === '') return {};
  return {
    'access-control-allow-origin': origin,
    vary: 'Origin',
    'access-control-expose-headers': 'Location, ETag, Accept-Patch, Link, X-Cupola-Audio',
  };
}

function readBody(res: HttpResponse, limit: number, onBody: (body: string | null) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  res.onData((chunk, isLast) => {
    if (over) return;
    size += chunk.byteLength;
    if (size > limit) {
      over = true;
      onBody(null);
      return;
    }
    chunks.push(Buffer.copyBytesFrom(new Uint8Array(chunk)));
    if (isLast) onBody(Buffer.concat(chunks).toString('utf8'));
  });
}

export function attachWhepRoutes(app: TemplatedApp, deps: WhepRoutesDeps): void {
  const { service, auth, origins } = deps;

  /** Reads the stack-allocated request, then runs `run` with an abort-safe reply function. */
  const route = (paramCount: number, run: (req: Req, res: HttpResponse, reply: (r: Reply) => void) => void) => (res: HttpResponse, req: import('uWebSockets.js').HttpRequest) => {
    let done = false;
    res.onAborted(() => {
      done = true;
    });
    const r: Req = {
      method: req.getMethod().toUpperCase(),
      origin: req.getHeader('origin'),
      host: req.getHeader('host'),
      authorization: req.getHeader('authorization'),
      contentType: req.getHeader('content-type'),
      query: new URLSearchParams(req.getQuery() ?? ''),
      params: Array.from({ length: paramCount }, (_, i) => req.getParameter(i) ?? ''),
      ip: Buffer.from(res.getRemoteAddressAsText()).toString(),
    };
    const reply = (x: Reply): void => {
      if (done) return;
      done = true;
      const allowed = r.origin !== '' && origins.allows(r.origin, r.host);
      writeReply(res, { ...x, headers: { ...(allowed ? corsHeaders(r.origin) : {}), ...(x.headers ?? {}) } });
    };
    run(r, res, reply);
  };

  /** Origin and factory; a Reply refuses. */
  const admit = (r: Req): { factory: FactoryName; path: string } | Reply => {
    if (!origins.allows(r.origin, r.host)) {
      return errorReply(403, `cross-origin WHEP refused: Origin ${r.origin} is not this API's origin nor listed in api.allowedOrigins`);
    }
    const factory = FACTORIES.find((f) => f === r.params[0]);
    let site: string;
    let camera: string;
    try {
      site = decodeURIComponent(r.params[1] ?? '');
      camera = decodeURIComponent(r.params[2] ?? '');
    } catch {
      return errorReply(400, 'malformed camera path');
    }
    if (factory === undefined) return errorReply(404, `no factory "${r.params[0] ?? ''}" (raw or compressed)`);
    return { factory, path: `${site}/${camera}` };
  };

  /** Read access (WhepAuth: internal checks or the node's AccessControl); resolves with the refusal or null. */
  const checkRead = async (r: Req, factory: FactoryName, path: string): Promise<Reply | null> => {
    const v = await auth.authorize(factory, path, r.authorization, r.query, r.ip);
    if (v.allowed) return null;
    if (v.reason === 'credentials') return { ...errorReply(401, v.message), headers: { 'www-authenticate': auth.challenge(factory) || 'Bearer realm="cupola"' } };
    return errorReply(403, v.message);
  };

  app.options(`${WHEP_PREFIX}/*`, (res, req) => {
    const origin = req.getHeader('origin');
    const host = req.getHeader('host');
    const allowed = origin === '' || origins.allows(origin, host);
    writeReply(res, {
      status: allowed ? 204 : 403,
      headers: {
        ...(allowed ? corsHeaders(origin) : {}),
        ...(allowed && origin !== ''
          ? { 'access-control-allow-methods': 'POST, PATCH, DELETE, OPTIONS', 'access-control-allow-headers': 'Authorization, Content-Type, If-Match', 'access-control-max-age': '600' }
          : {}),
        'accept-post': 'application/sdp',
        'accept-patch': 'application/trickle-ice-sdpfrag',
      },
    });
  });

  app.post(
    `${WHEP_PREFIX}/:factory/:site/:camera`,
    route(3, (r, res, reply) => {
      const a = admit(r);
      if ('status' in a) return reply(a);
      // The body is read while access is checked (uWS wants onData attached at once).
      const refused = checkRead(r, a.factory, a.path);
      if (!SDP_TYPE.test(r.contentType)) {
        void refused.then((x) => reply(x ?? errorReply(415, 'a WHEP offer is sent as Content-Type: application/sdp')));
        return;
      }
      readBody(res, MAX_OFFER_BYTES, async (body) => {
        const denied = await refused;
        if (denied !== null) return reply(denied);
        if (body === null) return reply(errorReply(400, `SDP offer over ${MAX_OFFER_BYTES} bytes (WEBRTC_OFFER_TOO_LARGE)`));
        service.offer(a.factory, a.path, body, r.ip).then(
          (answer) => {
            const location = `${whepPath(a.factory, a.path)}/${answer.id}`;
            reply({
              status: 201,
              body: answer.sdp,
              contentType: 'application/sdp',
              headers: {
                location,
                etag: `"${answer.id}"`,
                'accept-patch': 'application/trickle-ice-sdpfrag',
                ...(answer.audioNotSent !== undefined ? { 'x-cupola-audio': answer.audioNotSent } : {}),
              },
            });
          },
          (err: unknown) => {
            if (err instanceof WhepError) return reply(errorReply(err.status, err.code !== undefined ? `${err.message} (${err.code})` : err.message));
            deps.log.error('WHEP offer failed', { error: (err as Error)?.message ?? String(err) });
            reply(errorReply(500, 'internal error'));
          },
        );
      });
    }),
  );

  /** DELETE/PATCH of a session: `handle` runs once access is granted and the session exists (body, if any, read meanwhile). */
  const sessionRoute = (withBody: boolean, handle: (r: Req, reply: (x: Reply) => void, id: string, body: string | null) => void) =>
    route(4, (r, res, reply) => {
      const a = admit(r);
      if ('status' in a) return reply(a);
      const refused = checkRead(r, a.factory, a.path);
      const go = async (body: string | null): Promise<void> => {
        const denied = await refused;
        if (denied !== null) return reply(denied);
        const id = r.params[3] ?? '';
        if (!service.has(id, a.factory, a.path)) return reply(errorReply(404, 'no such WHEP session'));
        handle(r, reply, id, body);
      };
      if (withBody) readBody(res, MAX_OFFER_BYTES, (body) => void go(body));
      else void go(null);
    });

  app.del(
    `${WHEP_PREFIX}/:factory/:site/:camera/:session`,
    sessionRoute(false, (_r, reply, id) => {
      service.end(id);
      reply({ status: 200 });
    }),
  );

  app.patch(
    `${WHEP_PREFIX}/:factory/:site/:camera/:session`,
    sessionRoute(true, (r, reply, id, body) => {
      if (!TRICKLE_TYPE.test(r.contentType)) return reply(errorReply(415, 'trickle ICE is sent as Content-Type: application/trickle-ice-sdpfrag'));
      if (body === null) return reply(errorReply(413, `SDP fragment over ${MAX_OFFER_BYTES} bytes`));
      service.trickle(id, body).then(
        (ok) => reply(ok ? { status: 204 } : errorReply(404, 'no such WHEP session')),
        (err: unknown) => reply(errorReply(400, `cannot add the candidates: ${(err as Error).message}`)),
      );
    }),
  );
}
