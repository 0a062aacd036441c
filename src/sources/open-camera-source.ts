/**
 * Opens one pulled camera's session with Cupola's own clients: rtmp(s):// with the RTMP client,
 * rtsp(s):// with the RTSP client over UDP, TCP (interleaved) or automatically: UDP first, and TCP
 * when the UDP handshake fails (461 Unsupported Transport and the like) or no RTP arrives within
 * `udpFallbackMs` of PLAY (a NAT or firewall eats the datagrams). Once TCP was needed, the camera
 * stays on TCP (`memory`) until its source is reconfigured. Adapted to the pull engine's
 * SourceSession shape, as replication's sources.ts does for its upstreams.
 */
import { RtmpClient } from '../rtmp/client/rtmp-client.ts';
import { startRtspPlayer, type RtspPlayer, type RtspPlayerHandlers } from '../rtsp/client/rtsp-player.ts';
import type { SourceTransport } from '../config/camera-source.ts';
import type { OpenSource, SourceHandlers, SourceRequest, SourceSession } from '../replication/source.ts';
import { rtmpUrlWithCredentials } from '../replication/sources.ts';

/** An RTMP source that sends nothing for this long is dropped by the client (the stall timer is usually first). */
const RTMP_IDLE_TIMEOUT_MS = 15_000;

export interface CameraSourceOptions {
  readonly transport: SourceTransport;
  /** auto: PLAY over UDP with no RTP for this long falls back to TCP (ms). */
  readonly udpFallbackMs: number;
  /** rtsps:// and rtmps://: verify the server certificate. Defaults to true. */
  readonly tlsVerify?: boolean;
}

/** What an auto-transport camera learnt; kept across reconnects of one configured source. */
export interface TransportMemory {
  /** The transport of the session that last played. */
  current: 'udp' | 'tcp' | null;
  /** Why UDP was given up (shown in the API); null while UDP was never tried or works. */
  udpFailed: string | null;
}

export function newTransportMemory(): TransportMemory {
  return { current: null, udpFailed: null };
}

export function cameraSourceOpener(options: CameraSourceOptions, memory: TransportMemory): OpenSource {
  return (request, handlers) => {
    const scheme = new URL(request.url).protocol;
    if (scheme === 'rtmp:' || scheme === 'rtmps:') return openRtmp(request, handlers, options);
    if (scheme === 'rtsps:') return openRtsp(request, handlers, 'tcp', options, memory);
    if (options.transport !== 'auto') return openRtsp(request, handlers, options.transport, options, memory);
    return openAuto(request, handlers, options, memory);
  };
}

function openRtmp(request: SourceRequest, handlers: SourceHandlers, options: CameraSourceOptions): SourceSession {
  const client = RtmpClient.play(
    // `?user=&pass=` in the stream name, as Cupola's own listener (and nginx-rtmp on_play hooks) read them.
    rtmpUrlWithCredentials(request.url, request.credentials),
    {
      onDescription: (d) => handlers.onDescription(d),
      onMetadata: (m) => handlers.onMetadata(m),
      onFrame: (f) => handlers.onFrame(f),
      onClose: (err) => handlers.onClose(err),
    },
    { connectTimeoutMs: request.connectTimeoutMs, idleTimeoutMs: RTMP_IDLE_TIMEOUT_MS, ...(options.tlsVerify !== undefined ? { tls: { rejectUnauthorized: options.tlsVerify } } : {}) },
  );
  return {
    get bytesReceived() {
      return client.bytesReceived;
    },
    close: () => client.close(),
  };
}

interface RtspAttempt {
  /** Resolves once PLAY was answered (the player), rejects when the handshake failed. */
  readonly started: Promise<RtspPlayer>;
  close(): void;
}

/** One RTSP session; frames and the close go to `player` handlers while `live()` says so. */
function attemptRtsp(request: SourceRequest, transport: 'udp' | 'tcp', options: CameraSourceOptions, handlers: RtspPlayerHandlers): RtspAttempt {
  let player: RtspPlayer | null = null;
  let closed = false;
  const started = startRtspPlayer(
    {
      url: request.url,
      transport,
      connectTimeoutMs: request.connectTimeoutMs,
      responseTimeoutMs: request.connectTimeoutMs,
      ...(options.tlsVerify !== undefined ? { tls: { rejectUnauthorized: options.tlsVerify } } : {}),
      ...(request.credentials !== undefined ? { credentials: { username: request.credentials.user, password: request.credentials.pass } } : {}),
    },
    handlers,
  ).then((p) => {
    if (closed) void p.close();
    else player = p;
    return p;
  });
  return {
    started,
    close() {
      if (closed) return;
      closed = true;
      void player?.close();
    },
  };
}

function openRtsp(request: SourceRequest, handlers: SourceHandlers, transport: 'udp' | 'tcp', options: CameraSourceOptions, memory: TransportMemory): SourceSession {
  let closed = false;
  const finish = (err: Error | null): void => {
    if (closed) return;
    closed = true;
    handlers.onClose(err);
  };
  const attempt = attemptRtsp(request, transport, options, {
    onDescription: (d) => {
      if (!closed) handlers.onDescription(d);
    },
    onFrame: (f) => {
      if (!closed) handlers.onFrame(f);
    },
    onClose: (err) => finish(err),
  });
  attempt.started.then(
    () => {
      memory.current = transport;
    },
    (err: unknown) => finish(err instanceof Error ? err : new Error(String(err))),
  );
  return {
    close: () => {
      if (closed) return;
      closed = true;
      attempt.close();
    },
  };
}

/** UDP first; TCP when the UDP handshake fails or its RTP does not arrive. */
function openAuto(request: SourceRequest, handlers: SourceHandlers, options: CameraSourceOptions, memory: TransportMemory): SourceSession {
  if (memory.udpFailed !== null) return openRtsp(request, handlers, 'tcp', options, memory);
  let closed = false;
  let inner: SourceSession | null = null;
  let sawRtp = false;
  let timer: NodeJS.Timeout | undefined;
  const fallBack = (why: string): void => {
    if (closed || inner !== null) return;
    clearTimeout(timer);
    // Not an error: TCP is the camera's path from now on; the reason shows in the API.
    memory.udpFailed = why;
    udp.close();
    inner = openRtsp(request, handlers, 'tcp', options, memory);
  };
  const udp = attemptRtsp(request, 'udp', options, {
    onDescription: (d) => {
      if (!closed && inner === null) handlers.onDescription(d);
    },
    onFrame: (f) => {
      if (closed || inner !== null) return;
      sawRtp = true;
      handlers.onFrame(f);
    },
    onClose: (err) => {
      if (closed || inner !== null) return;
      closed = true;
      clearTimeout(timer);
      handlers.onClose(err);
    },
  });
  udp.started.then(
    (player) => {
      if (closed || inner !== null) return;
      memory.current = 'udp';
      timer = setTimeout(() => {
        if (!sawRtp && player.stats.packetsReceived === 0) fallBack('no RTP over UDP');
      }, options.udpFallbackMs);
      timer.unref();
    },
    (err: unknown) => {
      if (closed || inner !== null) return;
      const message = err instanceof Error ? err.message : String(err);
      // Authentication, a missing stream or an unreachable host fail over TCP alike: not a transport problem.
      if (/\b(401|403|404)\b|ECONNREFUSED|EHOSTUNREACH|ENOTFOUND|timed out/.test(message)) {
        closed = true;
        handlers.onClose(err instanceof Error ? err : new Error(message));
        return;
      }
      fallBack(message);
    },
  );
  return {
    close: () => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      if (inner !== null) inner.close();
      else udp.close();
    },
  };
}
