/**
 * The servers under test, each in its own process on OS-chosen ports of 127.0.0.1: `cupola serve`
 * (the built JavaScript users run, or for comparison the TypeScript under tsx) and
 * Node-Media-Server (bench/nms/nms-server.cjs). Every process started here is tracked and killed
 * by PID by `killAll()` (also on error and SIGINT, see run.ts).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDist, distIsFresh } from '../../scripts/build.mjs';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface ServerProc {
  readonly name: string;
  readonly pid: number;
  readonly proc: ChildProcess;
  readonly ports: Record<string, number | string>;
  readonly dataDir: string;
  logs(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Asks a server process to stop with `signal`, waits for `exited`, SIGKILL after 5 s. */
export async function stopProcess(proc: ChildProcess, exited: Promise<void>, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill(signal);
  const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

/** Starts a tracked child process and resolves once it printed its `{"event":"listening"}` line. */
export async function startListening(name: string, args: string[], dataDir: string, extraArgs: { cpuProfDir?: string; cwd?: string } = {}, timeoutMs = 30_000): Promise<ServerProc> {
  const nodeArgs = extraArgs.cpuProfDir !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${extraArgs.cpuProfDir}`, ...args] : args;
  const proc = spawn(process.execPath, nodeArgs, { cwd: extraArgs.cwd ?? repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error(`${name} did not start`);
  running.add(proc);
  let logs = '';
  // BENCH_SERVER_LOG_DIR: every server's stdout and stderr also go to DIR/NAME.log (e.g. for --trace-gc).
  const logDir = process.env['BENCH_SERVER_LOG_DIR'];
  if (logDir !== undefined && logDir !== '') {
    const file = createWriteStream(join(logDir, `${name}.log`));
    proc.stdout!.on('data', (b: Buffer | string) => file.write(b));
    proc.stderr!.on('data', (b: Buffer | string) => file.write(b));
    proc.on('exit', () => file.end());
  }
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (s: string) => {
    logs = (logs + s).slice(-200_000);
  });
  const exited = new Promise<void>((r) => proc.on('exit', () => {
    running.delete(proc);
    r();
  }));
  const ports = await new Promise<Record<string, number | string>>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`${name} did not announce listening in ${timeoutMs} ms:\n${logs.slice(-3000)}`)), timeoutMs);
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (s: string) => {
      out = (out + s).slice(-100_000);
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const m = JSON.parse(line) as Record<string, number | string>;
          if (m['event'] === 'listening') {
            clearTimeout(timer);
            res(m);
          }
        } catch {
          // a partial line: the rest comes with the next chunk
        }
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      rej(new Error(`${name} exited before listening:\n${logs.slice(-3000)}`));
    });
  });
  return {
    name,
    pid: proc.pid,
    proc,
    ports,
    dataDir,
    logs: () => logs,
    async stop() {
      await stopProcess(proc, exited);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The node flags a checkout's launchers pass to `cupola serve`: the words between `node` and the
 * script in its package.json `start` (src/cli/node-flags.ts; none in checkouts before them).
 */
export function launcherFlags(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const words = (pkg.scripts?.['start'] ?? '').split(' ').filter((w) => w !== '');
  const script = words.findIndex((w) => w.endsWith('.js') || w.endsWith('.ts'));
  return words[0] === 'node' && script > 0 ? words.slice(1, script).filter((w) => w.startsWith('--') && w !== '--import') : [];
}

/** How Cupola runs: `built` = node dist/src/cli/main.js (what users run), `tsx` = node --import tsx src/cli/main.ts. */
export type CupolaRuntime = 'built' | 'tsx';

/**
 * `settings`: more top-level sections of the settings file (a suite's own, e.g. `hls`). `root`:
 * another checkout to run (with its own node_modules, built there for runtime `built`), for a
 * base-vs-change comparison. `nodeFlags`: node flags of this server instead of the checkout's
 * launcher flags and BENCH_CUPOLA_NODE_FLAGS; `extraNodeFlags`: added to them.
 */
export async function startCupola(o: { role?: string; extra?: string[]; cpuProfDir?: string; logLevel?: string; runtime?: CupolaRuntime; name?: string; compress?: boolean; settings?: Record<string, unknown>; root?: string; nodeFlags?: readonly string[]; extraNodeFlags?: readonly string[] } = {}): Promise<ServerProc> {
  const runtime = o.runtime ?? 'built';
  if (runtime === 'built' && o.root !== undefined) {
    // Another checkout, built by its own build step (its dist/, its node_modules).
    if (!existsSync(join(o.root, 'scripts/build.mjs'))) throw new Error(`startCupola: ${o.root} has no build step; run it under tsx`);
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: o.root, stdio: 'ignore' });
  } else if (runtime === 'built' && !distIsFresh()) await buildDist();
  const dataDir = mkdtempSync(join(tmpdir(), 'cupola-bench-'));
  // The ingest suite publishes hundreds of made-up cameras: auto-registration on, without its cap.
  // Every load generator connects from 127.0.0.1: the fan-out steps open 1200 readers from that one
  // address, past the default per-address cap (limits.maxConnectionsPerIp, 256). Both raised here, on purpose.
  const settings = join(dataDir, 'bench-settings.json');
  // BENCH_CUPOLA_LIMITS (JSON): more `limits` for the checkout under test only (not for `root`), e.g.
  // '{"gopCacheBytes":0}' beside `--peers cupola-base --base-root .` to measure what a setting costs.
  const envLimits = o.root === undefined ? (JSON.parse(process.env['BENCH_CUPOLA_LIMITS'] ?? '{}') as Record<string, unknown>) : {};
  writeFileSync(settings, JSON.stringify({ cameras: { autoRegister: true, autoRegisterMax: 100_000 }, limits: { maxConnectionsPerIp: 100_000, ...envLimits }, ...(o.settings ?? {}) }));
  // The node flags the checkout's own launchers pass (package.json `start`), then
  // BENCH_CUPOLA_NODE_FLAGS: extra node flags for the Cupola servers only (experiments; not used by
  // default); `o.nodeFlags` replaces both, `o.extraNodeFlags` are added.
  const nodeFlags = [...(o.nodeFlags ?? [...launcherFlags(o.root ?? repoRoot), ...splitFlags(process.env['BENCH_CUPOLA_NODE_FLAGS'])]), ...(o.extraNodeFlags ?? [])];
  const args = [
    ...nodeFlags, ...(runtime === 'built' ? ['dist/src/cli/main.js'] : ['--import', 'tsx', 'src/cli/main.ts']), 'serve', '--role', o.role ?? 'slave', ...(o.compress === true ? [] : ['--no-compress']), '--host', '127.0.0.1',
    '--rtmp-port', '0', '--rtsp-port', '0', '--compressed-rtsp-port', '0', '--api-port', '0',
    '--data-dir', dataDir, '--config', settings, '--log-level', o.logLevel ?? 'warn', ...(o.extra ?? []),
  ];
  return startListening(o.name ?? `cupola-${o.role ?? 'slave'}`, args, dataDir, { ...(o.cpuProfDir !== undefined ? { cpuProfDir: o.cpuProfDir } : {}), ...(o.root !== undefined ? { cwd: o.root } : {}) });
}

/** Node flags from an environment variable (space-separated). */
export function splitFlags(value: string | undefined): string[] {
  return (value ?? '').split(' ').filter((f) => f !== '');
}

export function startNms(o: { cpuProfDir?: string } = {}): Promise<ServerProc> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nms-bench-'));
  return startListening('nms', ['bench/nms/nms-server.cjs', dataDir], dataDir, o.cpuProfDir !== undefined ? { cpuProfDir: o.cpuProfDir } : {});
}

/**
 * Runs a bench entry's `main`: every process started by this module is killed by PID when it ends,
 * fails, or the runner gets SIGINT/SIGTERM; the exit code says which (0, 1, 130, 143).
 */
export function runMain(main: () => Promise<void>): void {
  let exiting = false;
  const exit = (code: number): void => {
    if (exiting) return;
    exiting = true;
    killAll();
    process.exit(code);
  };
  process.on('SIGINT', () => exit(130));
  process.on('SIGTERM', () => exit(143));
  main().then(
    () => exit(0),
    (err: unknown) => {
      console.error(err);
      exit(1);
    },
  );
}

/** Kills every process started by this module (SIGKILL, by PID). */
export function killAll(): void {
  for (const p of running) {
    try {
      p.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

export function track(proc: ChildProcess): void {
  running.add(proc);
  proc.on('exit', () => running.delete(proc));
}

const CLOCK_TICKS = 100; // getconf CLK_TCK on Linux

/** utime + stime of a process in seconds (/proc/PID/stat fields 14 and 15). */
export function cpuSeconds(pid: number): number {
  const t = cpuTimes(pid);
  return t.user + t.system;
}

/** utime and stime of /proc/PID/stat in seconds: user space (JavaScript, Node, libc) and the kernel. */
export function cpuTimes(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / CLOCK_TICKS, system: Number(fields[12]) / CLOCK_TICKS };
}

/** Resident set size in MB (VmRSS of /proc/PID/status). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}
