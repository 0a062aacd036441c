/**
 * gst-rtsp-server as the RTSP fan-out peer (bench/gst/gst-rtsp-relay.py): one shared media pulling
 * the camera over RTMP from `source` and serving it over RTSP (TCP interleaved) on a port of
 * 127.0.0.1 chosen by the OS. Debian's python3-gi, gir1.2-gst-rtsp-server-1.0 and the GStreamer
 * plugins are installed with apt-get when missing. Stopped by PID.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, stopProcess, track, type ServerProc } from './servers.ts';

const PYTHON = '/usr/bin/python3';
const RELAY = join(repoRoot, 'bench/gst/gst-rtsp-relay.py');
const PROBE = "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import Gst, GstRtspServer; Gst.init(None); assert Gst.ElementFactory.find('rtmpsrc') and Gst.ElementFactory.find('flvdemux') and Gst.ElementFactory.find('rtph264pay')";

function available(): boolean {
  return spawnSync(PYTHON, ['-c', PROBE], { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

/** gst-rtsp-server and the elements the relay uses, installed with apt-get when missing. */
export function ensureGstRtsp(log: (s: string) => void): void {
  if (available()) return;
  log('gst-rtsp-server: missing, running apt-get install -y python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good gstreamer1.0-plugins-bad ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore', timeout: 300_000 });
  const inst = spawnSync('apt-get', ['install', '-y', '-qq', 'python3-gi', 'gir1.2-gst-rtsp-server-1.0', 'gstreamer1.0-plugins-good', 'gstreamer1.0-plugins-bad'], { env, encoding: 'utf8', timeout: 600_000 });
  if (inst.status !== 0 || !available()) throw new Error(`gst-rtsp-server: not available after apt-get (install ${inst.status}): ${(inst.stderr ?? '').slice(-1000)}`);
}

export async function startGstRtsp(source: string, log: (s: string) => void, timeoutMs = 20_000): Promise<ServerProc> {
  ensureGstRtsp(log);
  const proc = spawn(PYTHON, [RELAY, '--source', source, '--port', '0', '--path', '/site1/cam1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error('gst-rtsp-relay did not start');
  track(proc);
  let logs = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (s: string) => {
    logs = (logs + s).slice(-20_000);
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`gst-rtsp-relay did not print its port within ${timeoutMs} ms:\n${logs.slice(-3000)}`));
    }, timeoutMs);
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (s: string) => {
      out += s;
      const m = /^PORT (\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`gst-rtsp-relay exited before listening:\n${out}${logs.slice(-3000)}`));
    });
  });
  return {
    name: 'gst-rtsp',
    pid: proc.pid,
    proc,
    ports: { rtsp: port },
    dataDir: '',
    logs: () => logs,
    async stop() {
      await stopProcess(proc, exited);
    },
  };
}
