/**
 * nginx with nginx-rtmp-module (Debian's nginx + libnginx-mod-rtmp) as an RTMP peer: installed with
 * apt-get when missing, one process (`master_process off`, so the PID measured is the one doing
 * the work), its own config, pid file, error log and temp paths under a temp dir, RTMP on a free
 * port of 127.0.0.1, live applications site1 (fan-out) and site2 (ingest). No GOP cache (nginx-rtmp
 * has none); `wait_key on` starts each reader at a keyframe. `pulls` makes site2 pull those streams
 * from another server for as long as it runs (`pull ... static`: what a master's replication
 * does). Stopped by PID.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopProcess, track, type ServerProc } from './servers.ts';

const MODULE_CANDIDATES = ['/usr/lib/nginx/modules/ngx_rtmp_module.so', '/usr/share/nginx/modules/ngx_rtmp_module.so'];
const NGINX = '/usr/sbin/nginx';

function rtmpModule(): string | undefined {
  return MODULE_CANDIDATES.find((p) => existsSync(p));
}

/** nginx and its RTMP module, installed with apt-get when missing; throws saying why when it cannot. */
export function ensureNginxRtmp(log: (s: string) => void): { nginx: string; module: string } {
  if (!existsSync(NGINX) || rtmpModule() === undefined) {
    log('nginx-rtmp: not installed, running apt-get install -y nginx libnginx-mod-rtmp ...');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const upd = spawnSync('apt-get', ['update', '-qq'], { env, encoding: 'utf8', timeout: 300_000 });
    const inst = spawnSync('apt-get', ['install', '-y', '-qq', 'nginx', 'libnginx-mod-rtmp'], { env, encoding: 'utf8', timeout: 600_000 });
    if (inst.status !== 0) throw new Error(`nginx-rtmp: apt-get install failed (update ${upd.status}, install ${inst.status}): ${(inst.stderr ?? '').slice(-1000)}`);
  }
  const module = rtmpModule();
  if (!existsSync(NGINX) || module === undefined) throw new Error(`nginx-rtmp: ${NGINX} or ngx_rtmp_module.so still missing after apt-get`);
  return { nginx: NGINX, module };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

/** Streams site2 pulls from another RTMP server: `name` is the stream name there and here. */
export interface NginxPulls {
  readonly from: string;
  readonly names: readonly string[];
}

export function nginxConfig(o: { module: string; dir: string; port: number; pulls?: NginxPulls }): string {
  const pulls = (o.pulls?.names ?? []).map((n) => `pull ${o.pulls!.from}/${n} name=${n} static;`).join(' ');
  return [
    `load_module ${o.module};`,
    'daemon off;',
    'master_process off;',
    'worker_processes 1;',
    'worker_rlimit_nofile 16384;',
    `pid ${join(o.dir, 'nginx.pid')};`,
    `error_log ${join(o.dir, 'error.log')} warn;`,
    'events { worker_connections 8192; }',
    'rtmp {',
    '  server {',
    `    listen 127.0.0.1:${o.port};`,
    '    chunk_size 4096;',
    '    application site1 { live on; wait_key on; }',
    `    application site2 { live on; ${pulls} }`,
    '  }',
    '}',
    '',
  ].join('\n');
}

export async function startNginxRtmp(log: (s: string) => void, timeoutMs = 15_000, pulls?: NginxPulls): Promise<ServerProc> {
  const { nginx, module } = ensureNginxRtmp(log);
  const dir = mkdtempSync(join(tmpdir(), 'nginx-rtmp-bench-'));
  mkdirSync(join(dir, 'logs'));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig({ module, dir, port, ...(pulls !== undefined ? { pulls } : {}) }));
  // -p: prefix for every relative path; -e: the error log before the config is read.
  const proc = spawn(nginx, ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (proc.pid === undefined) throw new Error('nginx did not start');
  track(proc);
  let stderr = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (s: string) => {
    stderr = (stderr + s).slice(-20_000);
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const logs = (): string => {
    let errorLog = '';
    try {
      errorLog = readFileSync(join(dir, 'error.log'), 'utf8').slice(-20_000);
    } catch {
      // not written yet
    }
    return stderr + errorLog;
  };
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 1000; i++) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`nginx exited before listening:\n${logs().slice(-3000)}`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`nginx did not listen on ${port} within ${timeoutMs} ms:\n${logs().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name: 'nginx-rtmp',
    pid: proc.pid,
    proc,
    ports: { rtmp: port },
    dataDir: dir,
    logs,
    async stop() {
      await stopProcess(proc, exited, 'SIGQUIT'); // nginx's graceful shutdown
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
