/**
 * One `cupola serve` child process of the demo: spawned with this same Node (running the built CLI
 * when the demo is built, the TypeScript source under tsx otherwise), its stderr
 * (structured logs) appended to a log file, its ports read from the one-line JSON `listening`
 * announcement on stdout, and stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SERVE_NODE_FLAGS } from '../cli/node-flags.ts';
import { REPO_ROOT_URL, loaderArgs, moduleUrl } from '../source-url.ts';
import type { BoundPorts } from './urls.ts';

export const REPO_ROOT = fileURLToPath(REPO_ROOT_URL);
export const CLI_PATH = fileURLToPath(moduleUrl('../cli/main.ts', import.meta.url));

/** How long a node may take to announce its ports. */
export const LISTENING_TIMEOUT_MS = 30_000;
/** Longest `listening` line we accept; anything longer is not ours. */
const MAX_STDOUT_LINE = 64 * 1024;
const STDERR_TAIL_BYTES = 8 * 1024;

export interface NodeProcess {
  readonly name: string;
  readonly pid: number;
  readonly ports: BoundPorts;
  /** The last few kilobytes of the node's stderr. */
  stderrTail(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (graceful: drains readers, stops workers), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL now, synchronously (for the demo's own `exit` handler). */
  killNow(): void;
}

/** Parses one stdout line; returns the bound ports when it is the `listening` announcement. */
export function parseListeningLine(line: string): BoundPorts | undefined {
  if (!line.startsWith('{')) return undefined;
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    return undefined; // a log line that merely starts with "{" — not the announcement
  }
  if (typeof msg !== 'object' || msg === null) return undefined;
  const m = msg as Record<string, unknown>;
  if (m.event !== 'listening') return undefined;
  const port = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) ? v : 0);
  return { rtmp: port(m.rtmp), rtsp: port(m.rtsp), compressedRtsp: port(m.compressedRtsp), api: port(m.api) };
}

/** The listeners a `listening` announcement names as down (not bound; the node retries them). */
export function listenersDownIn(line: string): string[] {
  try {
    const down = (JSON.parse(line) as { down?: unknown }).down;
    return Array.isArray(down) ? down.filter((d): d is string => typeof d === 'string').slice(0, 16) : [];
  } catch {
    return [];
  }
}

/**
 * Starts `cupola serve <args>` and resolves once it is listening with every listener bound; rejects
 * (after stopping it) when it exits first, does not announce in time, or announces listeners down
 * (a port taken: the node would keep retrying it, the demo rather picks other ports).
 */
export async function startNodeProcess(name: string, serveArgs: readonly string[], logFile: string): Promise<NodeProcess> {
  const log = createWriteStream(logFile, { flags: 'a' });
  const proc: ChildProcess = spawn(process.execPath, [...SERVE_NODE_FLAGS, ...loaderArgs(CLI_PATH), CLI_PATH, ...serveArgs], {
    cwd: REPO_ROOT,
    // The IPC channel is never used for messages: it closes when the demo exits however it exits
    // (SIGKILL included), and `serve` stops when it does (src/cli/parent-watch.ts).
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: process.env,
    // Own process group: a Ctrl-C in the terminal reaches only the demo, which then stops the
    // cameras before the nodes (otherwise every child would race to shut down on its own).
    detached: true,
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
    proc.once('error', () => resolve({ code: -1, signal: null }));
  });
  void exited.then(() => log.end());
  if (proc.pid === undefined) {
    await exited;
    throw new Error(`${name}: could not start ${process.execPath}`);
  }
  const pid = proc.pid;
  let tail = '';
  proc.stderr!.on('data', (b: Buffer) => {
    log.write(b);
    tail = (tail + b.toString('utf8')).slice(-STDERR_TAIL_BYTES);
  });
  const stop = async (graceMs = 15_000): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const hard = setTimeout(() => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(hard);
    }
  };
  const ports = await new Promise<BoundPorts>((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(() => {
      void stop(2000).then(() => reject(new Error(`${name} did not announce its ports within ${LISTENING_TIMEOUT_MS} ms`)));
    }, LISTENING_TIMEOUT_MS);
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (s: string) => {
      pending += s;
      if (pending.length > MAX_STDOUT_LINE) pending = pending.slice(-MAX_STDOUT_LINE);
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        const found = parseListeningLine(line);
        pending = pending.slice(nl + 1);
        if (found) {
          clearTimeout(timer);
          const down = listenersDownIn(line);
          if (down.length === 0) resolve(found);
          else void stop(2000).then(() => reject(new Error(`${name} cannot listen: ${down.join(', ')} could not bind (port in use)`)));
        }
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (code ${code}, signal ${signal}) before listening:\n${tail.trim()}`));
    });
  });
  const killNow = (): void => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  };
  return { name, pid, ports, stderrTail: () => tail, exited, stop, killNow };
}

/** A port the OS says is free on `host` right now (a hint: another process may take it next). */
export async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether `port` can be bound on `host` right now (a hint: another process may take it next). */
export async function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}
