/**
 * `cupola demo`: the seed's 2-machine layout on one host. Starts a slave and a master as separate
 * `cupola serve` processes (each with its embedded store in a temporary data dir; the master follows
 * the slave's API), then one simulated camera per site and camera number publishing RTMP to the
 * slave, prints every URL, and on Ctrl-C / SIGTERM stops everything it started, cameras first.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { demoCameraArgs } from './camera-args.ts';
import { CameraProcess } from './camera-process.ts';
import { ANY_PORTS, PREFERRED_PORTS, choosePorts, demoCameras, serveArgs, type DemoNodeName, type NodePortRequest } from './layout.ts';
import { isPortFree, startNodeProcess, type NodeProcess } from './node-process.ts';
import { cameraUrls, dashboardUrl, formatUrlTable } from './urls.ts';

export interface DemoOptions {
  readonly sites: number;
  readonly cameras: number;
  /** Address the nodes bind. Defaults to 127.0.0.1 (nothing exposed to the network). */
  readonly host: string;
  /** Host name printed in URLs and advertised by the nodes. */
  readonly advertiseHost?: string;
  /** Ask the OS for every port instead of the documented defaults. */
  readonly anyPorts: boolean;
  /** Print one JSON line (`{"event":"demo-ready",...}`) instead of the table. */
  readonly json: boolean;
  /** Resolves when the demo should stop (defaults to the first SIGINT/SIGTERM). */
  readonly stopSignal?: Promise<unknown>;
}

const say = (s: string): void => void process.stderr.write(`cupola demo: ${s}\n`);

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** How a bind failure shows in a node's start-up error (Node's EADDRINUSE, the API server's message). */
const PORT_TAKEN = /EADDRINUSE|address already in use|cannot listen/i;

async function startNode(
  name: DemoNodeName,
  preferred: NodePortRequest,
  base: Omit<Parameters<typeof serveArgs>[0], 'role' | 'ports' | 'dataDir'>,
  dir: string,
): Promise<NodeProcess> {
  const dataDir = join(dir, name);
  const logFile = join(dir, `${name}.log`);
  try {
    return await startNodeProcess(name, serveArgs({ ...base, role: name, ports: preferred, dataDir }), logFile);
  } catch (err) {
    const allAny = Object.values(preferred).every((p) => p === 0);
    if (allAny || !PORT_TAKEN.test((err as Error).message)) throw err;
    // Another program took a port between our check and the bind: let the OS choose them all.
    say(`${name} could not use ports ${Object.values(preferred).filter((p) => p !== 0).join(', ')}; retrying with any free ports`);
    return await startNodeProcess(name, serveArgs({ ...base, role: name, ports: ANY_PORTS, dataDir }), logFile);
  }
}

/** Runs the demo until stopped; resolves with the process exit code. */
export async function runDemo(o: DemoOptions): Promise<number> {
  const cameras = demoCameras(o.sites, o.cameras);
  const dir = mkdtempSync(join(tmpdir(), 'cupola-demo-'));
  const nodes: NodeProcess[] = [];
  const cams: CameraProcess[] = [];
  const killAll = (): void => {
    for (const c of cams) c.killNow();
    for (const n of nodes) n.killNow();
  };
  process.on('exit', killAll);

  let signals = 0;
  let requestStop!: () => void;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) say(`${sig}: stopping cameras, master and slave (again to force)`);
    else killAll();
    requestStop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  void o.stopSignal?.then(() => requestStop());

  let failed: string | undefined;
  try {
    const bindHost = o.host;
    const localHost = isWildcard(bindHost) ? '127.0.0.1' : bindHost;
    const shownHost = o.advertiseHost ?? (isWildcard(bindHost) ? hostname() : bindHost);
    let slavePorts = ANY_PORTS;
    let masterPorts = ANY_PORTS;
    if (!o.anyPorts) {
      const wanted = [...Object.values(PREFERRED_PORTS.slave), ...Object.values(PREFERRED_PORTS.master)];
      const free = new Set<number>();
      await Promise.all(wanted.map(async (p) => ((await isPortFree(bindHost, p)) ? free.add(p) : undefined)));
      slavePorts = choosePorts(PREFERRED_PORTS.slave, (p) => free.has(p));
      masterPorts = choosePorts(PREFERRED_PORTS.master, (p) => free.has(p));
    }
    // The demo is sized so every simulated camera and its compression fit (small pictures): one
    // worker per camera, whatever the CPU count (compression.maxWorkers defaults to it).
    const config = join(dir, 'demo-settings.json');
    writeFileSync(config, JSON.stringify({ compression: { maxWorkers: Math.max(1, cameras.length) } }));
    const base = { host: bindHost, config, ...(o.advertiseHost !== undefined ? { advertiseHost: o.advertiseHost } : {}) };

    say(`starting the slave (data and logs in ${dir})`);
    const slave = await startNode('slave', slavePorts, base, dir);
    nodes.push(slave);
    if (signals > 0) return 0;
    say(`starting the master (following http://${localHost}:${slave.ports.api})`);
    const master = await startNode('master', masterPorts, { ...base, upstreamApi: `http://${localHost}:${slave.ports.api}` }, dir);
    nodes.push(master);
    if (signals > 0) return 0;

    const urls = cameras.map((c) => cameraUrls(c, { host: shownHost, publishHost: localHost, slave: slave.ports, master: master.ports }));
    say(`starting ${cameras.length} simulated camera${cameras.length === 1 ? '' : 's'}`);
    for (const [i, cam] of cameras.entries()) {
      const proc = new CameraProcess(ffmpegInstaller.path, demoCameraArgs(urls[i]!.publish, cam.index), {
        onExit: ({ code, signal, delayMs, stderrTail }) => {
          const last = stderrTail.trim().split('\n').at(-1) ?? '';
          say(`camera ${cam.path}: ffmpeg exited (code ${code}, signal ${signal})${last ? `: ${last}` : ''}; restarting in ${delayMs / 1000} s`);
        },
      });
      cams.push(proc);
      proc.start();
    }

    if (o.json) {
      const node = (n: NodeProcess): object => ({ pid: n.pid, ports: n.ports, dashboard: dashboardUrl(shownHost, n.ports) });
      const line = {
        event: 'demo-ready',
        dataDir: dir,
        slave: node(slave),
        master: node(master),
        cameras: urls.map((u, i) => ({ ...u, pid: cams[i]!.pid ?? null })),
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    } else {
      process.stdout.write(`\n${formatUrlTable({ host: shownHost, slave: slave.ports, master: master.ports, cameras: urls })}\n`);
    }

    const nodeDied = Promise.race(
      nodes.map((n) => n.exited.then(({ code, signal }) => `${n.name} exited (code ${code}, signal ${signal}):\n${n.stderrTail().trim().split('\n').slice(-10).join('\n')}`)),
    );
    failed = await Promise.race([stopRequested.then(() => undefined), nodeDied]);
    if (failed) say(failed);
  } catch (err) {
    failed = (err as Error).message;
    say(failed);
  } finally {
    const graceMs = signals > 1 ? 0 : undefined;
    await Promise.all(cams.map((c) => c.stop(graceMs)));
    for (const n of [...nodes].reverse()) await n.stop(graceMs);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', killAll);
    if (failed) say(`logs kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
    say('stopped');
  }
  return failed ? 1 : 0;
}
