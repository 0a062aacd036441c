/**
 * Starts `cupola serve` as a separate process on OS-chosen ports (port 0), reads its one-line
 * JSON `listening` announcement from stdout, and stops it by PID. The process runs what users run:
 * the built JavaScript in dist/ (`cliPath`), rebuilt first when it is older than the sources.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIST, buildDist, distIsFresh } from '../../scripts/build.mjs';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The built CLI (`node dist/src/cli/main.js`, no tsx), as `npm start` and bin/cupola.js run it. */
export const cliPath = join(DIST, 'src/cli/main.js');

// `npm test` builds first (pretest); a test file run on its own after a source edit builds here.
if (!distIsFresh()) await buildDist({ quiet: true });

export interface Listening {
  event: 'listening';
  role: string;
  rtmp: number;
  rtsp: number;
  compressedRtsp: number;
  api: number;
  /** TLS listeners, present only when on. */
  rtmps?: number;
  rtsps?: number;
  compressedRtsps?: number;
  /** Listeners that could not bind (the node retries them). */
  down: string[];
}

export interface ServerProcess {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly ports: Listening;
  readonly dataDir: string;
  /** Everything written to stderr (structured logs). */
  logs(): string;
  rtmpUrl(path: string): string;
  rtspUrl(path: string, factory?: 'raw' | 'compressed'): string;
  apiUrl(path: string): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL at once. */
  kill(): Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ServerProcess>();

export async function startServer(
  o: {
    role?: string;
    args?: string[];
    env?: Record<string, string>;
    timeoutMs?: number;
    dataDir?: string;
    /** Address to bind and to put in the URL helpers. Defaults to 127.0.0.1. */
    host?: string;
    /** Run inside this network namespace (`ip netns exec`; the PID stays the node's: ip execs it). */
    netns?: string;
  } = {},
): Promise<ServerProcess> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'cupola-test-'));
  const host = o.host ?? '127.0.0.1';
  const args = [
    cliPath, 'serve',
    '--role', o.role ?? 'slave',
    '--host', host,
    '--rtmp-port', '0', '--rtsp-port', '0', '--compressed-rtsp-port', '0', '--api-port', '0',
    '--data-dir', dataDir,
    '--log-level', 'debug',
    ...(o.args ?? []),
  ];
  const proc = spawn(o.netns === undefined ? process.execPath : 'ip', o.netns === undefined ? args : ['netns', 'exec', o.netns, process.execPath, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...o.env },
  });
  if (proc.pid === undefined) throw new Error('server did not start');
  let logs = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (s: string) => {
    logs += s;
    if (logs.length > 2_000_000) logs = logs.slice(-1_000_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    proc.on('exit', (code, signal) => res({ code, signal }));
  });
  const ports = await new Promise<Listening>((resolvePorts, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not announce listening within ${o.timeoutMs ?? 20000} ms; logs:\n${logs.slice(-3000)}`));
    }, o.timeoutMs ?? 20000);
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (s: string) => {
      out += s;
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const msg = JSON.parse(line) as Listening;
          if (msg.event === 'listening') {
            clearTimeout(timer);
            resolvePorts(msg);
          }
        } catch {
          // a partial line: wait for the rest
        }
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (code ${code}, signal ${signal}) before listening; logs:\n${logs.slice(-3000)}`));
    });
  });
  const server: ServerProcess = {
    proc,
    pid: proc.pid,
    ports,
    dataDir,
    logs: () => logs,
    rtmpUrl: (p) => `rtmp://${host}:${ports.rtmp}/${p}`,
    rtspUrl: (p, f = 'raw') => `rtsp://${host}:${f === 'raw' ? ports.rtsp : ports.compressedRtsp}/${p}`,
    apiUrl: (p) => `http://${host}:${ports.api}${p}`,
    exited,
    async stop(graceMs = 10_000) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        const r = await exited;
        clearTimeout(t);
        running.delete(server);
        if (!o.dataDir) rmSync(dataDir, { recursive: true, force: true });
        return r.code;
      }
      running.delete(server);
      return proc.exitCode;
    },
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
      running.delete(server);
    },
  };
  running.add(server);
  return server;
}

export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((s) => s.kill()));
}

/** The one polling wait, kept importable from here for the suites that already do. */
export { waitFor } from './wait.ts';
