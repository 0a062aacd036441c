/**
 * The real upstream sources: Factory 1 streams are played with the RTMP client, Factory 2 streams
 * with the RTSP client over TCP (interleaved: one connection, no UDP ports to open between the
 * machines). Both are adapted to the replication's SourceSession shape. rtmps:// and rtsps:// URLs
 * (an upstream that offers TLS) are played over TLS with the upstream's trust settings.
 */
import { RtmpClient } from '../rtmp/client/rtmp-client.ts';
import { startRtspPlayer, type RtspPlayer } from '../rtsp/client/rtsp-player.ts';
import type { OpenSource, SourceHandlers, SourceRequest, SourceSession } from './source.ts';
import { internalAgent } from '../streams/internal-reader.ts';

/** An upstream that sends nothing for this long is dropped by the client itself (the pull's stall detection is usually first). */
const RTMP_IDLE_TIMEOUT_MS = 15_000;

export const openUpstreamSource: OpenSource = (request, handlers) =>
  request.factory === 'raw' ? openRtmp(request, handlers) : openRtsp(request, handlers);

/** RTMP carries read credentials in the stream name's query (`?user=&pass=`), as Cupola's listener reads them. */
export function rtmpUrlWithCredentials(url: string, credentials: SourceRequest['credentials']): string {
  if (credentials === undefined) return url;
  const query = new URLSearchParams({ user: credentials.user, pass: credentials.pass }).toString();
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

function openRtmp(request: SourceRequest, handlers: SourceHandlers): SourceSession {
  const client = RtmpClient.play(
    rtmpUrlWithCredentials(request.url, request.credentials),
    {
      onDescription: (d) => handlers.onDescription(d),
      onMetadata: (m) => handlers.onMetadata(m),
      onFrame: (f) => handlers.onFrame(f),
      onClose: (err) => handlers.onClose(err),
    },
    // Counted as an internal reader on the upstream, not as a viewer.
    { connectTimeoutMs: request.connectTimeoutMs, idleTimeoutMs: RTMP_IDLE_TIMEOUT_MS, flashVer: internalAgent('replication'), ...(request.tls !== undefined ? { tls: request.tls } : {}) },
  );
  return {
    get bytesReceived() {
      return client.bytesReceived;
    },
    close: () => client.close(),
  };
}

function openRtsp(request: SourceRequest, handlers: SourceHandlers): SourceSession {
  let player: RtspPlayer | null = null;
  let closed = false;
  const finish = (err: Error | null): void => {
    if (closed) return;
    closed = true;
    handlers.onClose(err);
  };
  startRtspPlayer(
    {
      url: request.url,
      transport: 'tcp',
      userAgent: internalAgent('replication'),
      connectTimeoutMs: request.connectTimeoutMs,
      responseTimeoutMs: request.connectTimeoutMs,
      ...(request.tls !== undefined ? { tls: request.tls } : {}),
      ...(request.credentials !== undefined ? { credentials: { username: request.credentials.user, password: request.credentials.pass } } : {}),
    },
    {
      onDescription: (d) => {
        if (!closed) handlers.onDescription(d);
      },
      onFrame: (f) => {
        if (!closed) handlers.onFrame(f);
      },
      onClose: (err) => finish(err),
    },
  ).then(
    (p) => {
      if (closed) void p.close();
      else player = p;
    },
    (err: unknown) => finish(err instanceof Error ? err : new Error(String(err))),
  );
  return {
    close: () => {
      if (closed) return;
      closed = true;
      void player?.close();
    },
  };
}
