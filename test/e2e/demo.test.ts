/**
 * `cupola demo` end to end: a slave, a master following it and two simulated cameras, every port
 * chosen by the OS. The cameras must be live on the slave and replicated to the master, a player must
 * read the master's RTSP URL, and SIGTERM must stop every process the demo started.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readWithFfmpeg } from '../helpers/ffmpeg.ts';
import { cliPath, repoRoot, waitFor } from '../helpers/server.ts';

interface DemoReady {
  event: 'demo-ready';
  dataDir: string;
  slave: { pid: number; ports: { api: number; rtmp: number; rtsp: number; compressedRtsp: number }; dashboard: string };
  master: { pid: number; ports: { api: number; rtmp: number; rtsp: number; compressedRtsp: number }; dashboard: string };
  cameras: { camera: string; publish: string; pid: number | null; slave: { rtspRaw: string }; master: { rtspRaw: string; rtspCompressed: string } }[];
}

interface CameraUrls {
  nodes: { node: string; name: string; role: string; rtspRaw: { internal: string }; live: { raw: boolean } }[];
  best: { raw: { name: string } | null };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function liveStreams(apiBase: number, factory: string): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${apiBase}/api/v1/streams?factory=${factory}`);
  const body = (await res.json()) as { items: { path: string; publisher: unknown }[] };
  return body.items.filter((i) => i.publisher !== null).map((i) => i.path);
}

describe('cupola demo', () => {
  let demo: ChildProcess | undefined;
  let ready: DemoReady | undefined;
  let stderr = '';

  after(() => {
    // Safety net if an assertion failed before the graceful stop: every PID the demo reported.
    if (demo && demo.exitCode === null && demo.signalCode === null) demo.kill('SIGKILL');
    for (const pid of [ready?.slave.pid, ready?.master.pid, ...(ready?.cameras.map((c) => c.pid) ?? [])]) {
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('runs slave, master and cameras, prints their URLs, and stops them all on SIGTERM', async () => {
    demo = spawn(process.execPath, [cliPath, 'demo', '--cameras', '2', '--any-ports', '--json'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = demo;
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (s: string) => (stderr = (stderr + s).slice(-20_000)));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    ready = await new Promise<DemoReady>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no demo-ready line within 60 s; stderr:\n${stderr}`)), 60_000);
      proc.stdout!.setEncoding('utf8');
      proc.stdout!.on('data', (s: string) => {
        out += s;
        const line = out.split('\n').find((l) => l.includes('"demo-ready"'));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line) as DemoReady);
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`demo exited with ${code} before it was ready (is \`registerDemoCommand\` wired into src/cli/main.ts?); stderr:\n${stderr}`));
      });
    });
    const r = ready;
    assert.deepEqual(r.cameras.map((c) => c.camera), ['site1/cam1', 'site1/cam2']);
    assert.notEqual(r.slave.ports.api, r.master.ports.api);
    for (const c of r.cameras) assert.match(c.publish, new RegExp(`^rtmp://127\\.0\\.0\\.1:${r.slave.ports.rtmp}/${c.camera}$`));

    await waitFor(async () => (await liveStreams(r.slave.ports.api, 'raw')).length === 2, 30_000, 'both cameras live on the slave', 250);
    await waitFor(async () => (await liveStreams(r.master.ports.api, 'raw')).includes('site1/cam1'), 45_000, 'site1/cam1 replicated to the master', 250);
    // Issue 16.7: the nodes are named after their roles and the slave knows its master (--peer).
    const nodeName = async (api: number): Promise<string> => ((await (await fetch(`http://127.0.0.1:${api}/api/v1/node`)).json()) as { name: string }).name;
    assert.equal(await nodeName(r.slave.ports.api), 'slave');
    assert.equal(await nodeName(r.master.ports.api), 'master');
    const urls = await waitFor(async () => {
      const u = (await (await fetch(`http://127.0.0.1:${r.slave.ports.api}/api/v1/cameras/site1/cam1/urls`)).json()) as CameraUrls;
      return u.nodes.some((n) => n.node === 'peer' && n.live.raw) ? u : undefined;
    }, 30_000, "the master's copy of site1/cam1 in the slave's URLs", 250);
    const peer = urls.nodes.find((n) => n.node === 'peer')!;
    assert.equal(peer.name, 'master');
    assert.equal(peer.role, 'master');
    assert.match(peer.rtspRaw.internal, new RegExp(`:${r.master.ports.rtsp}/site1/cam1$`));
    assert.equal(urls.best.raw?.name, 'slave');
    const probe = await readWithFfmpeg(r.cameras[0]!.master.rtspRaw, { frames: 10, timeoutMs: 20_000, inputArgs: ['-rtsp_transport', 'tcp'] });
    assert.equal(probe.codec, 'h264');
    assert.equal(probe.width, 640);
    assert.ok(probe.videoFrames >= 10, `frames read from the master: ${probe.videoFrames}`);

    const pids = [r.slave.pid, r.master.pid, ...r.cameras.map((c) => c.pid!)];
    proc.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`demo still running 40 s after SIGTERM; stderr:\n${stderr}`)), 40_000)))]);
    clearTimeout(timer);
    assert.equal(code, 0, stderr);
    assert.deepEqual(pids.filter(alive), [], 'every process the demo started is gone');
    assert.match(stderr, /stopped/);
  });
});
