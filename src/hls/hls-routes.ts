/**
 * The HTTP side of LL-HLS, on the API server: GET /hls/<factory>/<site>/<camera>/<file> where file
 * is index.m3u8 (multivariant), stream.m3u8 (media playlist, blocking with _HLS_msn/_HLS_part),
 * init.mp4, s<msn>.m4s (segment) or p<msn>.<part>.m4s (part; the preload-hinted one blocks until
 * it exists). Every reply carries `Access-Control-Allow-Origin: *` so another web app can play.
 */
import { codecString } from '../../protocols/mp4/codec-string.ts';
import { HlsFiles, mediaPlaylist, multivariantPlaylist, parseMediaFile } from '../../protocols/hls/playlist.ts';
import type { HlsPart } from '../../protocols/hls/ll-hls-segmenter.ts';
import type { AccessControl } from '../access/access-control.ts';
import { errorReply, type HandleOptions, type Reply, type RequestContext } from '../api/http.ts';
import type { RouteDef } from '../api/catalog-routes.ts';
import { normalizeStreamPath } from '../streams/path.ts';
import type { FactoryName } from '../streams/types.ts';
import type { HlsMuxer } from './hls-muxer.ts';
import { authQuery, hlsGuard, type HlsReadAuth } from './hls-read-auth.ts';
import type { HlsMetrics, HlsService } from './hls-service.ts';

export const HLS_CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, OPTIONS',
  'access-control-allow-headers': 'Authorization, Range',
};

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';
const MP4_TYPE = 'video/mp4';
/** A blocking request may run ahead of the live edge by this many segments at most (RFC 8216bis §6.2.5.2). */
const MAX_MSN_AHEAD = 2;

export interface HlsRouteDeps {
  readonly service: HlsService;
  readonly auth: HlsReadAuth;
  /** The node's access check (IP lists, auth.method); unset: the internal rule only. */
  readonly access?: AccessControl;
  /** Whether a camera of this path is in the catalog (unknown → 404 "camera not found"). */
  readonly knows: (path: string) => boolean;
  readonly metrics?: HlsMetrics;
}

const cors = (r: Reply): Reply => ({ ...r, headers: { ...(r.headers ?? {}), ...HLS_CORS_HEADERS } });

export type GuardedRoute = RouteDef & { readonly guard?: NonNullable<HandleOptions['guard']> };

export function hlsRoute(deps: HlsRouteDeps): GuardedRoute {
  return {
    method: 'get',
    pattern: '/hls/:factory/:site/:camera/:file',
    paramCount: 4,
    guard: hlsGuard(deps.auth, deps.access, HLS_CORS_HEADERS),
    handler: async (ctx) => cors(await serve(deps, ctx)),
  };
}

async function serve(deps: HlsRouteDeps, ctx: RequestContext): Promise<Reply> {
  const [factory, site, camera, file] = ctx.params as [string, string, string, string];
  if (!deps.service.hasFactory(factory)) return errorReply(404, `no factory "${factory}" here (raw or compressed)`);
  const path = normalizeStreamPath(`${site}/${camera}`);
  if (path === null || !deps.knows(path)) return errorReply(404, `camera "${site}/${camera}" not found`);
  const found = deps.service.muxer(factory, path);
  if ('error' in found) return errorReply(404, `camera "${path}" is not live on factory ${factory}`);
  const muxer = found.muxer;
  const seg = muxer.segmenter;
  if (seg === undefined) return errorReply(404, `camera "${path}" has no track HLS can carry (H.264/H.265, AAC/MP3)`);
  const reply = await fileReply(muxer, file, ctx.query);
  if (reply.status === 200) {
    const size = Buffer.isBuffer(reply.body) ? reply.body.length : typeof reply.body === 'string' ? Buffer.byteLength(reply.body) : 0;
    deps.metrics?.request(factory as FactoryName, size);
  }
  return reply;
}

function playlistReply(text: string): Reply {
  return { status: 200, body: text, contentType: PLAYLIST_TYPE };
}

function intParam(query: URLSearchParams, key: string): number | undefined | null {
  const v = query.get(key);
  if (v === null) return undefined;
  return /^\d{1,9}$/.test(v) ? Number(v) : null;
}

async function fileReply(muxer: HlsMuxer, file: string, query: URLSearchParams): Promise<Reply> {
  const seg = muxer.segmenter!;
  const q = authQuery(query);
  const blockMs = 3 * seg.targetDurationS * 1000;
  if (file === 'index.m3u8') {
    const codecs = seg.tracks.map(codecString).filter((c): c is string => c !== null);
    const video = seg.tracks.find((t) => t.kind === 'video');
    const bandwidth = Math.max(muxer.stream.bitrateBps() * 1.2, 500_000);
    return playlistReply(multivariantPlaylist({ bandwidth, codecs, ...(video?.kind === 'video' ? { width: video.width, height: video.height } : {}), query: q }));
  }
  if (file === HlsFiles.media) {
    const msn = intParam(query, '_HLS_msn');
    const part = intParam(query, '_HLS_part');
    if (msn === null || part === null || (part !== undefined && msn === undefined)) {
      return errorReply(400, '_HLS_msn and _HLS_part must be whole numbers, and _HLS_part needs _HLS_msn');
    }
    if (msn !== undefined) {
      if (msn > seg.nextMsn + MAX_MSN_AHEAD) return errorReply(400, `_HLS_msn ${msn} is more than ${MAX_MSN_AHEAD} segments ahead of the live edge (${seg.nextMsn})`);
      if (!(await muxer.waitFor(msn, part, blockMs))) return unavailable(muxer);
    } else if (seg.segments.length === 0 && !(await muxer.waitFor(seg.nextMsn, undefined, blockMs))) {
      // A just-started muxer: players that know no parts (ffmpeg, older ones) need one whole segment.
      return unavailable(muxer);
    }
    const s = muxer.segmenter!;
    return playlistReply(mediaPlaylist({ targetDurationS: s.targetDurationS, partTargetS: s.partTargetS, segments: s.segments, openParts: s.openParts, nextMsn: s.nextMsn, query: q }));
  }
  if (file === HlsFiles.init) return { status: 200, body: seg.init, contentType: MP4_TYPE };
  const media = parseMediaFile(file);
  if (media === null) return errorReply(404, `no HLS file "${file}"`);
  if (media.part === undefined) {
    // The segment in progress is answered when it is complete.
    if (media.msn === seg.nextMsn && !(await muxer.waitFor(media.msn, undefined, blockMs))) return unavailable(muxer);
    const s = muxer.segmenter?.segment(media.msn);
    if (s === undefined) return errorReply(404, `segment ${media.msn} is not (or no longer) held`);
    return partsReply(muxer, s.parts);
  }
  const index = media.part;
  if (!muxer.has(media.msn, index)) {
    // Only the preload-hinted part (the next one) is waited for.
    const hinted = (media.msn === seg.nextMsn && index === seg.openParts.length) || (media.msn === seg.nextMsn + 1 && index === 0);
    if (!hinted) return errorReply(404, `part ${media.msn}.${index} does not exist`);
    if (!(await muxer.waitFor(media.msn, index, blockMs))) return unavailable(muxer);
  }
  const p = muxer.segmenter?.part(media.msn, index);
  // The segment closed before this index was reached: no such part.
  if (p === undefined) return errorReply(404, `part ${media.msn}.${index} is not (or no longer) held`);
  return partsReply(muxer, [p]);
}

function partsReply(muxer: HlsMuxer, parts: readonly HlsPart[]): Reply {
  const body = parts.length === 1 ? parts[0]!.data : Buffer.concat(parts.map((p) => p.data));
  let frames = 0;
  for (const p of parts) frames += p.frames;
  muxer.served(frames, body.length);
  return { status: 200, body, contentType: MP4_TYPE };
}

function unavailable(muxer: HlsMuxer): Reply {
  return muxer.closed ? errorReply(404, `stream ${muxer.stream.path} ended`) : errorReply(503, 'the requested part did not appear in time');
}
