/**
 * `cupola probe`'s I/O: plays an rtmp:// or rtsp:// URL with Cupola's own clients for a few seconds
 * of stream time and returns the measurement. Rejects with a message naming the URL when the
 * connection fails, the server refuses, or no frame arrives in time.
 */
import { RtmpClient } from '../../rtmp/client/rtmp-client.ts';
import { startRtspPlayer, type RtspPlayer } from '../../rtsp/client/rtsp-player.ts';
import { ProbeMeter, redactUrl, type ProbeReport } from './probe-meter.ts';

export interface ProbeOptions {
  /** Stream time to measure after the first frame. Defaults to 3 s. */
  readonly seconds?: number;
  /** Connect (and first frame) timeout. Defaults to 10 000 ms. */
  readonly timeoutMs?: number;
  /** RTSP transport. Defaults to 'tcp'. */
  readonly transport?: 'tcp' | 'udp';
}

export class ProbeError extends Error {
  override readonly name = 'ProbeError';
}

interface Closable {
  close(): void;
}

export function probeStream(rawUrl: string, options: ProbeOptions = {}): Promise<ProbeReport> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return Promise.reject(new ProbeError(`"${rawUrl}" is not a URL (expected rtmp://host[:port]/app/stream or rtsp://host[:port]/path)`));
  }
  const protocol = url.protocol === 'rtmp:' ? 'rtmp' : url.protocol === 'rtsp:' ? 'rtsp' : null;
  if (protocol === null) return Promise.reject(new ProbeError(`unsupported scheme "${url.protocol}" (use rtmp:// or rtsp://)`));
  const shown = redactUrl(rawUrl);
  const seconds = options.seconds ?? 3;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const meter = new ProbeMeter();

  return new Promise<ProbeReport>((resolve, reject) => {
    let session: Closable | null = null;
    let done = false;
    let firstWall: number | null = null;
    let firstDts: number | null = null;
    const finish = (err: Error | null): void => {
      if (done) return;
      done = true;
      clearTimeout(firstFrameTimer);
      clearTimeout(wallTimer);
      session?.close();
      if (err !== null) reject(err);
      else if (meter.frames === 0) reject(new ProbeError(`${shown}: the stream ended before any frame arrived`));
      else resolve(meter.report(shown, protocol));
    };
    const firstFrameTimer = setTimeout(() => finish(new ProbeError(`${shown}: no frame within ${timeoutMs} ms`)), timeoutMs);
    // Stream time is the measure; the wall clock only bounds a stream whose timestamps stall.
    let wallTimer: NodeJS.Timeout | undefined;
    const handlers = {
      onDescription: (d: Parameters<ProbeMeter['setDescription']>[0]) => meter.setDescription(d),
      onMetadata: (m: Readonly<Record<string, unknown>>) => meter.setMetadata(m),
      onFrame: (f: Parameters<ProbeMeter['addFrame']>[0]) => {
        if (done) return;
        meter.addFrame(f);
        if (firstWall === null) {
          firstWall = Date.now();
          firstDts = f.dts;
          clearTimeout(firstFrameTimer);
          wallTimer = setTimeout(() => finish(null), seconds * 1000 * 2 + 2000);
        }
        if (firstDts !== null && f.dts - firstDts >= seconds * 1000) finish(null);
      },
      onClose: (err: Error | null) => finish(err === null ? null : new ProbeError(`${shown}: ${err.message}`, { cause: err })),
    };
    if (protocol === 'rtmp') {
      try {
        session = RtmpClient.play(rawUrl, handlers, { connectTimeoutMs: timeoutMs });
      } catch (err) {
        finish(new ProbeError(`${shown}: ${(err as Error).message}`, { cause: err }));
      }
      return;
    }
    let player: RtspPlayer | null = null;
    session = {
      close: () => {
        void player?.close();
      },
    };
    startRtspPlayer({ url: rawUrl, transport: options.transport ?? 'tcp', connectTimeoutMs: timeoutMs, responseTimeoutMs: timeoutMs }, {
      onDescription: handlers.onDescription,
      onFrame: handlers.onFrame,
      onClose: (err) => handlers.onClose(err),
    }).then(
      (p) => {
        if (done) void p.close();
        else player = p;
      },
      (err: unknown) => finish(new ProbeError(`${shown}: ${(err as Error).message}`, { cause: err })),
    );
  });
}
