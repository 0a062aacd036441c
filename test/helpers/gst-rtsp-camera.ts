/**
 * A real RTSP camera for interop tests: GStreamer's gst-rtsp-server (test/helpers/gst-rtsp-camera.py,
 * run with Debian's /usr/bin/python3, which has python3-gi; a pyenv `python3` on PATH has not).
 * `gstCameraSkipReason()` says why it cannot run here (null when it can). Every camera started is
 * tracked by PID and killed by `stop()` or `killAllGstCameras()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './server.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(repoRoot, 'test/helpers/gst-rtsp-camera.py');
const INSTALL_HINT = 'apt-get install -y python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-ugly gstreamer1.0-plugins-good (.ci/run does)';

export interface GstCameraOptions {
  /** 0 (default): the OS chooses. A fixed port lets a test restart the camera where it was. */
  readonly port?: number;
  readonly path?: string;
  readonly auth?: 'none' | 'digest' | 'basic';
  readonly user?: string;
  readonly pass?: string;
  /** Lower transports the server accepts. Defaults to all. */
  readonly protocols?: 'all' | 'tcp' | 'udp';
}

export interface GstCamera {
  /** The camera process now (a new one after a reboot, see MAX_REBOOTS_AFTER_ABORT). */
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Reboots after the gst-rtsp-server abort. */
  readonly reboots: number;
  readonly port: number;
  /** rtsp://127.0.0.1:PORT/PATH, without credentials. */
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<GstCamera>();

let cachedReason: string | null | undefined;

/** Why the GStreamer RTSP camera cannot run here, or null. */
export function gstCameraSkipReason(): string | null {
  if (cachedReason !== undefined) return cachedReason;
  const probe = spawnSync(
    PYTHON,
    ['-c', "import gi; gi.require_version('GstRtspServer','1.0'); from gi.repository import Gst, GstRtspServer; Gst.init(None); assert Gst.ElementFactory.find('x264enc'), 'x264enc'"],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (probe.error !== undefined) cachedReason = `${PYTHON} not found: ${INSTALL_HINT}`;
  else if (probe.status !== 0) cachedReason = `gst-rtsp-server is not usable (${(probe.stderr.trim().split('\n').pop() ?? '').slice(0, 200)}): ${INSTALL_HINT}`;
  else cachedReason = null;
  return cachedReason;
}

/**
 * gst-rtsp-server 1.22 (Debian 12) sometimes aborts on a PLAY that races a reconnecting client's
 * earlier session on the shared media (`gst_rtsp_media_get_rates: assertion failed`, "Bail out!").
 * That is the camera's bug, not what the tests are about: a camera that aborts this way reboots on
 * its port, as a real camera's watchdog would, at most this many times; each reboot is written to
 * its output and counted in `reboots`.
 */
const MAX_REBOOTS_AFTER_ABORT = 5;

interface Launched {
  readonly proc: ChildProcess;
  readonly exited: Promise<void>;
}

export async function startGstCamera(o: GstCameraOptions = {}, timeoutMs = 20_000): Promise<GstCamera> {
  const path = o.path ?? '/cam';
  let out = '';
  const keep = (d: Buffer | string): void => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  const launch = (port: number): Launched => {
    const args = [SCRIPT, '--port', String(port), '--path', path, '--auth', o.auth ?? 'none', '--protocols', o.protocols ?? 'all'];
    if (o.user !== undefined) args.push('--user', o.user);
    if (o.pass !== undefined) args.push('--pass', o.pass);
    const proc = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (proc.pid === undefined) throw new Error('gst-rtsp-camera did not start');
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    const exited = new Promise<void>((resolve) => {
      proc.on('exit', () => resolve());
      proc.on('error', () => resolve());
    });
    return { proc, exited };
  };
  let current = launch(o.port ?? 0);
  let stopped = false;
  let reboots = 0;
  const stop = async (): Promise<void> => {
    stopped = true;
    const { proc, exited } = current;
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
    running.delete(camera);
  };
  let camera: GstCamera;
  const first = current;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gst-rtsp-camera did not print its port within ${timeoutMs} ms: ${out.slice(-2000)}`)), timeoutMs);
    const look = (): void => {
      const m = /^PORT (\d+)$/m.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    first.proc.stdout!.on('data', look);
    void first.exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`gst-rtsp-camera exited before listening: ${out.slice(-2000)}`));
    });
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  const watch = (l: Launched): void => {
    void l.exited.then(() => {
      if (stopped || !/Bail out!/.test(out.slice(-4000)) || reboots >= MAX_REBOOTS_AFTER_ABORT) return;
      reboots++;
      keep(`[test helper] the camera aborted (gst-rtsp-server assertion); reboot ${reboots} on port ${port}\n`);
      current = launch(port);
      watch(current);
    });
  };
  watch(first);
  camera = {
    get proc() {
      return current.proc;
    },
    get pid() {
      return current.proc.pid!;
    },
    get reboots() {
      return reboots;
    },
    port,
    url: `rtsp://127.0.0.1:${port}${path}`,
    output: () => out,
    stop,
  };
  running.add(camera);
  return camera;
}

export async function killAllGstCameras(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop()));
}
