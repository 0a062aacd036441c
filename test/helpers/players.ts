/**
 * Third-party RTSP players for interop tests: GStreamer's rtspsrc (gst-launch-1.0) and VLC. Each
 * is optional on a machine: `*SkipReason()` says why a test cannot run (null when it can). Every
 * process started here is tracked by PID and killed by `stop()` or `killAllPlayers()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

export interface PlayerRun {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** stdout and stderr so far (tail). */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<PlayerRun>();

function start(cmd: string, args: readonly string[]): PlayerRun {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer): void => {
    out += d.toString('latin1');
    if (out.length > 400_000) out = out.slice(-200_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    proc.on('exit', () => resolve());
    proc.on('error', () => resolve());
  });
  if (proc.pid === undefined) throw new Error(`${cmd} did not start`);
  const run: PlayerRun = {
    proc,
    pid: proc.pid,
    output: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
      running.delete(run);
    },
  };
  running.add(run);
  void exited.then(() => running.delete(run));
  return run;
}

export async function killAllPlayers(): Promise<void> {
  await Promise.all([...running].map((r) => r.stop()));
}

/** Why GStreamer's rtspsrc cannot run here, or null. */
export function gstreamerSkipReason(): string | null {
  const inspect = spawnSync('gst-inspect-1.0', ['rtspsrc'], { encoding: 'utf8', timeout: 20_000 });
  if (inspect.error !== undefined) {
    return 'gst-inspect-1.0 not found: apt-get install -y gstreamer1.0-tools gstreamer1.0-plugins-good (.ci/run does)';
  }
  if (inspect.status !== 0) return 'GStreamer has no rtspsrc element: apt-get install -y gstreamer1.0-plugins-good';
  return null;
}

/**
 * `gst-launch-1.0 -v rtspsrc location=URL user-id user-pw protocols=tcp|udp ! fakesink silent=false`:
 * fakesink prints one `chain` line per RTP depayloaded buffer it gets, so `buffers()` counts media
 * that reached the player.
 */
export function runGstRtspsrc(url: string, o: { user?: string; pass?: string; protocols: 'tcp' | 'udp' }): PlayerRun & { buffers(): number } {
  const args = ['-v', 'rtspsrc', `location=${url}`, `protocols=${o.protocols}`];
  if (o.user !== undefined) args.push(`user-id=${o.user}`);
  if (o.pass !== undefined) args.push(`user-pw=${o.pass}`);
  args.push('!', 'fakesink', 'silent=false');
  const run = start('gst-launch-1.0', args);
  return Object.assign(run, { buffers: () => (run.output().match(/last-message = chain/g) ?? []).length });
}

const VLC_PLUGIN_DIRS = ['/usr/lib/x86_64-linux-gnu/vlc/plugins', '/usr/lib/aarch64-linux-gnu/vlc/plugins', '/usr/lib/vlc/plugins', '/usr/lib64/vlc/plugins'];

/** Why VLC cannot play RTSP here, or null. */
export function vlcSkipReason(): string | null {
  if (spawnSync('cvlc', ['--version'], { timeout: 20_000 }).error !== undefined) return 'cvlc not found (apt-get install -y vlc-bin vlc-plugin-base)';
  const dirs = VLC_PLUGIN_DIRS.filter((d) => existsSync(d));
  const live555 = dirs.some((d) => ['demux', 'access'].some((sub) => existsSync(`${d}/${sub}`) && readdirSync(`${d}/${sub}`).some((f) => f.startsWith('liblive555'))));
  if (!live555) return "VLC has no RTSP client here: its live555 plugin is missing (Debian's vlc is built with --disable-live555)";
  if (process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).error !== undefined) return 'VLC refuses to run as root and setpriv is missing';
  return null;
}

/** VLC (live555) playing `url` headless; as root it runs as nobody (VLC refuses root). */
export function runVlc(url: string, o: { user: string; pass: string }): PlayerRun {
  const vlc = ['cvlc', '-I', 'dummy', '--vout=dummy', '--aout=dummy', '--rtsp-tcp', `--rtsp-user=${o.user}`, `--rtsp-pwd=${o.pass}`, url];
  if (process.getuid?.() === 0) return start('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'env', 'HOME=/tmp', ...vlc]);
  return start(vlc[0]!, vlc.slice(1));
}
