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
}

function corsHeaders(origin: string): Record<string, string> {
  if (origin === '') return {};
  return {
    'access-control-allow-origin': origin,
    vary: 'Origin',
    'access-control-expose-headers': 'Location, ETag, Accept-Patch, Link',
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
    };
    const reply = (x: Reply): void => {
      if (done) return;
      done = true;
      const allowed = r.origin !== '' && origins.allows(r.origin, r.host);
      writeReply(res, { ...x, headers: { ...(allowed ? corsHeaders(r.origin) : {}), ...(x.headers ?? {}) } });
    };
    run(r, res, reply);
  };

  /** Origin, factory and credentials; a Reply refuses. */
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
    if (!auth.allows(factory, r.authorization, r.query)) {
      return { ...errorReply(401, `reading factory ${factory} needs its read credentials (HTTP Basic) or the API token`), headers: { 'www-authenticate': auth.challenge(factory) } };
    }
    return { factory, path: `${site}/${camera}` };
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
      if (!SDP_TYPE.test(r.contentType)) return reply(errorReply(415, 'a WHEP offer is sent as Content-Type: application/sdp'));
      const remote = Buffer.from(res.getRemoteAddressAsText()).toString();
      readBody(res, MAX_OFFER_BYTES, (body) => {
        if (body === null) return reply(errorReply(400, `SDP offer over ${MAX_OFFER_BYTES} bytes (WEBRTC_OFFER_TOO_LARGE)`));
        service.offer(a.factory, a.path, body, remote).then(
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

  const sessionRoute = (handle: (r: Req, res: HttpResponse, reply: (x: Reply) => void, id: string) => void) =>
    route(4, (r, res, reply) => {
      const a = admit(r);
      if ('status' in a) return reply(a);
      const id = r.params[3] ?? '';
      if (!service.has(id, a.factory, a.path)) return reply(errorReply(404, 'no such WHEP session'));
      handle(r, res, reply, id);
    });

  app.del(
    `${WHEP_PREFIX}/:factory/:site/:camera/:session`,
    sessionRoute((_r, _res, reply, id) => {
      service.end(id);
      reply({ status: 200 });
    }),
  );

  app.patch(
    `${WHEP_PREFIX}/:factory/:site/:camera/:session`,
    sessionRoute((r, res, reply, id) => {
      if (!TRICKLE_TYPE.test(r.contentType)) return reply(errorReply(415, 'trickle ICE is sent as Content-Type: application/trickle-ice-sdpfrag'));
      readBody(res, MAX_OFFER_BYTES, (body) => {
        if (body === null) return reply(errorReply(413, `SDP fragment over ${MAX_OFFER_BYTES} bytes`));
        service.trickle(id, body).then(
          (ok) => reply(ok ? { status: 204 } : errorReply(404, 'no such WHEP session')),
          (err: unknown) => reply(errorReply(400, `cannot add the candidates: ${(err as Error).message}`)),
        );
      });
    }),
  );
}
