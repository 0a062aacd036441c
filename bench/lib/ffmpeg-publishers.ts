/**
 * Real ffmpeg processes as RTMP publishers, for the ingest suite's `--ingest-publisher ffmpeg`:
 * `ffmpeg -re -stream_loop -1 -i FILE -c copy -f flv rtmp://...`, Debian's /usr/bin/ffmpeg when
 * present, else the bundled one (@ffmpeg-installer/ffmpeg). ffmpeg's native rtmp protocol offers no
 * chunk-size option: it starts at 128 and follows the server's Set Chunk Size (see rtmp-sniff.ts,
 * which measures what it really sends).
 *
 * Bytes: each process writes `-progress pipe:1` (every ~0.5 s); `total_size` is what its FLV muxer
 * has handed to the rtmp protocol (FLV tag bytes; the RTMP chunk headers are not counted). A
 * window's rate per process is the growth of total_size between the last reports before and after
 * the window, over the time between those reports.
 * Every process is tracked (killAll on error/SIGINT) and stopped by PID (stopProcess).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { FFMPEG } from './media.ts';
import { cpuSeconds, stopProcess, track } from './servers.ts';

export const SYSTEM_FFMPEG = '/usr/bin/ffmpeg';

/** The ffmpeg the publishers run: Debian's when installed, else the bundled static build. */
export function publisherFfmpeg(): string {
  return existsSync(SYSTEM_FFMPEG) ? SYSTEM_FFMPEG : FFMPEG;
}

interface Progress {
  /** performance.now() when the report arrived. */
  atMs: number;
  totalSize: number;
}

interface Publisher {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<void>;
  last: Progress | undefined;
  stderr: string;
}

export interface PublisherMark {
  readonly byPid: ReadonlyMap<number, Progress | undefined>;
  readonly cpuSeconds: number;
}

export interface PublishersWindow {
  /** Sum of the processes' rates over the window, bytes/s of FLV. */
  readonly bytesPerSecond: number;
  /** Processes whose total_size grew during the window. */
  readonly publishing: number;
  /** CPU seconds of every ffmpeg process over the window. */
  readonly cpuSeconds: number;
  /** Processes that exited, with the tail of their stderr (first 5). */
  readonly errors: string[];
}

export class FfmpegPublishers {
  readonly binary: string;
  readonly #pubs: Publisher[] = [];

  constructor(binary = publisherFfmpeg()) {
    this.binary = binary;
  }

  get count(): number {
    return this.#pubs.length;
  }

  /** The PIDs of the running processes. */
  get pids(): number[] {
    return this.#pubs.filter(alive).map((p) => p.pid);
  }

  start(url: string, file: string): void {
    const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', file, '-c', 'copy', '-f', 'flv', '-progress', 'pipe:1', url];
    const proc = spawn(this.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (proc.pid === undefined) throw new Error('ffmpeg did not start');
    track(proc);
    const pub: Publisher = { proc, pid: proc.pid, exited: new Promise((r) => proc.once('exit', () => r())), last: undefined, stderr: '' };
    let out = '';
    let size = -1;
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (s: string) => {
      out += s;
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('total_size=')) size = Number(line.slice(11));
        else if (line.startsWith('progress=') && Number.isFinite(size) && size >= 0) pub.last = { atMs: performance.now(), totalSize: size };
      }
    });
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (s: string) => {
      pub.stderr = (pub.stderr + s).slice(-2000);
    });
    this.#pubs.push(pub);
  }

  /** Waits until every process has reported output (or exited), at most timeoutMs. */
  async ready(timeoutMs: number): Promise<{ publishing: number; total: number; errors: string[] }> {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
      if (this.#pubs.every((p) => (p.last?.totalSize ?? 0) > 0 || !alive(p))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return { publishing: this.#pubs.filter((p) => alive(p) && (p.last?.totalSize ?? 0) > 0).length, total: this.#pubs.length, errors: this.#errors() };
  }

  mark(): PublisherMark {
    return { byPid: new Map(this.#pubs.map((p) => [p.pid, p.last])), cpuSeconds: this.#cpu() };
  }

  /** The window since `m` (call when it ends). */
  since(m: PublisherMark): PublishersWindow {
    let rate = 0;
    let publishing = 0;
    for (const p of this.#pubs) {
      const a = m.byPid.get(p.pid);
      const b = p.last;
      if (a === undefined || b === undefined || b.atMs <= a.atMs) continue;
      const grew = b.totalSize - a.totalSize;
      if (grew > 0) publishing++;
      rate += (grew / (b.atMs - a.atMs)) * 1000;
    }
    return { bytesPerSecond: rate, publishing, cpuSeconds: this.#cpu() - m.cpuSeconds, errors: this.#errors() };
  }

  /** Stops every process by PID (SIGTERM, SIGKILL after 5 s). */
  async stop(): Promise<void> {
    await Promise.all(this.#pubs.map((p) => stopProcess(p.proc, p.exited)));
    this.#pubs.length = 0;
  }

  #cpu(): number {
    let s = 0;
    for (const p of this.#pubs) {
      if (!alive(p)) continue;
      try {
        s += cpuSeconds(p.pid);
      } catch {
        // exited between the check and the read
      }
    }
    return s;
  }

  #errors(): string[] {
    return this.#pubs.filter((p) => !alive(p)).map((p) => `ffmpeg ${p.pid} exited (${p.proc.exitCode ?? p.proc.signalCode}): ${p.stderr.trim().slice(-300)}`).slice(0, 5);
  }
}

const alive = (p: Publisher): boolean => p.proc.exitCode === null && p.proc.signalCode === null;
