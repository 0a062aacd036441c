/**
 * `GET /api/v1/cameras/:site/:name/snapshot.jpg` as a route of the API server (same shape as the
 * catalog routes): 200 image/jpeg, 404 when the camera is not live here, 503 with Retry-After when
 * no picture could be grabbed yet.
 */
import type { RouteDef } from '../api/catalog-routes.ts';
import { errorReply } from '../api/http.ts';
import type { SnapshotService } from './snapshot-service.ts';

export const SNAPSHOT_ROUTE = '/api/v1/cameras/:site/:name/snapshot.jpg';

export function snapshotRoute(snapshots: Pick<SnapshotService, 'get'>): RouteDef {
  return {
    method: 'get',
    pattern: SNAPSHOT_ROUTE,
    paramCount: 2,
    handler: async (ctx) => {
      const id = `${ctx.params[0]!}/${ctx.params[1]!}`;
      const r = await snapshots.get(id);
      switch (r.kind) {
        case 'ok':
          return {
            status: 200,
            body: r.jpeg,
            contentType: 'image/jpeg',
            headers: { 'last-modified': new Date(r.takenAtMs).toUTCString(), 'x-snapshot-stale': String(r.stale) },
          };
        case 'not-live':
          return errorReply(404, `camera "${id}" is not live on this node`);
        case 'unavailable': {
          const reply = errorReply(503, `no snapshot of "${id}" yet: ${r.reason}`);
          return { ...reply, headers: { 'retry-after': String(Math.max(1, Math.ceil(r.retryAfterMs / 1000))) } };
        }
        default: {
          const never: never = r;
          return never;
        }
      }
    },
  };
}
