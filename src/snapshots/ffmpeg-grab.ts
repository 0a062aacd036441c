/**
 * Grabs one JPEG from a stream URL with the bundled ffmpeg: decode the first picture (the server's
 * GOP cache makes it the last keyframe, so no wait for the next IDR), scale it down, write it as
 * MJPEG to stdout. Bounded in time and bytes; the process is killed by PID on timeout or abort, and
 * runs under the watchdog of workers/watched-spawn.ts so it dies with the node however the node dies.
 */
import { spawnWatched } from '../../workers/watched-spawn.ts';
import { internalAgent } from '../streams/internal-reader.ts';

/** Largest JPEG accepted from ffmpeg; a 320-px thumbnail is a few tens of kilobytes. */
export const MAX_SNAPSHOT_BYTES = 4 * 1024 * 1024;
const STDERR_TAIL_BYTES = 2048;

export interface GrabOptions {
  /** Output width; height follows the aspect ratio (rounded to even). Defaults to 320 px. */
  readonly widthPx?: number;
  /** Kill ffmpeg after this long. Defaults to 8000 ms. */
  readonly timeoutMs?: number;
  /** JPEG quality scale, 2 (best) to 31. Defaults to 5. */
  readonly quality?: number;
  readonly signal?: AbortSignal;
}

/** A function that turns a stream URL into JPEG bytes (injected into SnapshotService for tests). */
export type GrabJpeg = (url: string, options: GrabOptions) => Promise<Buffer>;

/** ffmpeg arguments of one grab (pure). */
export function snapshotArgs(url: string, o: { widthPx?: number; quality?: number } = {}): string[] {
  const width = o.widthPx ?? 320;
  const input: string[] = [];
  if (url.startsWith('rtsp://')) {
    // Interleaved TCP (no UDP ports to open) and only the video track (nothing to probe for audio).
    // Counted as an internal reader, not a viewer.
    input.push('-rtsp_transport', 'tcp', '-allowed_media_types', 'video', '-user_agent', internalAgent('snapshot'));
  }
  return [
    '-hide_banner', '-nostats', '-loglevel', 'error',
    ...input,
    '-i', url,
    '-map', '0:v:0', '-an', '-frames:v', '1',
    '-vf', `scale=${width}:-2`,
    '-q:v', String(o.quality ?? 5),
    '-f', 'image2pipe', '-vcodec', 'mjpeg', '-',
  ];
}

export class SnapshotGrabError extends Error {
  override readonly name = 'SnapshotGrabError';
}

/** Runs ffmpeg once; resolves with the JPEG, rejects with SnapshotGrabError (reason in the message). */
export function grabJpegWithFfmpeg(ffmpegPath: string): GrabJpeg {
  return (url, o) =>
    new Promise<Buffer>((resolve, reject) => {
      if (o.signal?.aborted) {
        reject(new SnapshotGrabError('aborted'));
        return;
      }
      const proc = spawnWatched(ffmpegPath, snapshotArgs(url, o), { extraPipes: 0 });
      proc.stdin!.on('error', () => {}); // the watchdog pipe: never written
      const chunks: Buffer[] = [];
      let bytes = 0;
      let stderr = '';
      let failure: string | undefined;
      const kill = (why: string): void => {
        failure ??= why;
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      };
      const timer = setTimeout(() => kill(`no picture within ${o.timeoutMs ?? 8000} ms`), o.timeoutMs ?? 8000);
      const onAbort = (): void => kill('aborted');
      o.signal?.addEventListener('abort', onAbort, { once: true });
      proc.stdout!.on('data', (b: Buffer) => {
        bytes += b.length;
        if (bytes > MAX_SNAPSHOT_BYTES) kill(`picture larger than ${MAX_SNAPSHOT_BYTES} bytes`);
        else chunks.push(b);
      });
      proc.stderr!.on('data', (b: Buffer) => {
        stderr = (stderr + b.toString('utf8')).slice(-STDERR_TAIL_BYTES);
      });
      let settled = false;
      const finish = (code: number | null, spawnError?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        proc.stdin?.destroy(); // lets the watchdog's `cat` end
        o.signal?.removeEventListener('abort', onAbort);
        const jpeg = Buffer.concat(chunks, Math.min(bytes, MAX_SNAPSHOT_BYTES));
        if (spawnError) reject(new SnapshotGrabError(`cannot run ffmpeg: ${spawnError.message}`, { cause: spawnError }));
        else if (failure) reject(new SnapshotGrabError(failure));
        else if (code !== 0 || jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) {
          const last = stderr.trim().split('\n').at(-1) ?? '';
          reject(new SnapshotGrabError(`ffmpeg exited with code ${code}${last ? `: ${last}` : ''}`));
        } else resolve(jpeg);
      };
      // 'close' (not 'exit') so that stdout has been read to its end.
      proc.once('close', (code) => finish(code));
      proc.once('error', (err) => finish(null, err));
    });
}
