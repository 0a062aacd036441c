/**
 * `cupola demo`: the seed's 2-machine layout on one host. Starts a slave and a master as separate
 * `cupola serve` processes (each with its embedded store in a temporary data dir; the master follows
 * the slave's API), then one simulated camera per site and camera number publishing RTMP to the
 * slave, prints every URL, and on SIGINT (Ctrl-C), SIGTERM or SIGHUP (terminal or SSH session closed),
 * or when npm that launched it is killed, stops everything it started, cameras first. Every child
 * also dies on its own when the demo dies by SIGKILL: the nodes watch an IPC channel to the demo,
 * the camera ffmpegs run under the ffmpeg watchdog (workers/watched-spawn.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { demoCameraArgs } from './camera-args.ts';
import { CameraProcess } from './camera-process.ts';
import { ANY_PORTS, PREFERRED_PORTS, choosePorts, demoCameras, demoNodeSettings, serveArgs, type DemoNodeName, type NodePortRequest } from './layout.ts';
import { freePort, isPortFree, startNodeProcess, type NodeProcess } from './node-process.ts';
import { cameraUrls, dashboardUrl, formatUrlTable } from './urls.ts';
import { STOP_SIGNALS, watchParent } from '../cli/parent-watch.ts';

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
  /** Resolves when the demo should stop (besides SIGINT/SIGTERM/SIGHUP and its launcher exiting). */
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
  base: Omit<Parameters<typeof serveArgs>[0], 'role' | 'ports' | 'dataDir' | 'config'>,
  dir: string,
  other: { readonly host: string; readonly apiUrl: string },
  shared: object,
): Promise<NodeProcess> {
  const dataDir = join(dir, name);
  const logFile = join(dir, `${name}.log`);
  // Its name, and the other node (the slave's peer, the master's upstream), plus the shared settings.
  const config = join(dir, `${name}.json`);
  writeFileSync(config, `${JSON.stringify({ ...shared, ...demoNodeSettings(name, other) }, null, 2)}\n`);
  try {
    return await startNodeProcess(name, serveArgs({ ...base, role: name, ports: preferred, dataDir, config }), logFile);
  } catch (err) {
    const allAny = Object.values(preferred).every((p) => p === 0);
    if (allAny || !PORT_TAKEN.test((err as Error).message)) throw err;
    // Another program took a port between our check and the bind: let the OS choose them all.
    say(`${name} could not use ports ${Object.values(preferred).filter((p) => p !== 0).join(', ')}; retrying with any free ports`);
    // The master keeps its API port: the slave's --peer already points at it.
    const retryPorts = name === 'master' ? { ...ANY_PORTS, api: preferred.api } : ANY_PORTS;
    return await startNodeProcess(name, serveArgs({ ...base, role: name, ports: retryPorts, dataDir, config }), logFile);
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
  const onSignal = (sig: string): void => {
    signals++;
    if (signals === 1) say(`${sig}: stopping cameras, master and slave (again to force)`);
    else killAll();
    requestStop();
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  const stopWatching = watchParent(onSignal);
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
    const shared = { compression: { maxWorkers: Math.max(1, cameras.length) } };
    const base = { host: bindHost, ...(o.advertiseHost !== undefined ? { advertiseHost: o.advertiseHost } : {}) };
    // The slave knows its master (node.peer) before the master exists: the master's API port is fixed now.
    if (masterPorts.api === 0) masterPorts = { ...masterPorts, api: await freePort(bindHost) };

    say(`starting the slave (data and logs in ${dir})`);
    const slave = await startNode('slave', slavePorts, base, dir, { host: localHost, apiUrl: `http://${localHost}:${masterPorts.api}` }, shared);
    nodes.push(slave);
    if (signals > 0) return 0;
    say(`starting the master (following http://${localHost}:${slave.ports.api})`);
    const master = await startNode('master', masterPorts, base, dir, { host: localHost, apiUrl: `http://${localHost}:${slave.ports.api}` }, shared);
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
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    stopWatching();
    process.off('exit', killAll);
    if (failed) say(`logs kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
    say('stopped');
  }
  return failed ? 1 : 0;
}
