/**
 * Issue 5: "never leave an orphan ffmpeg ... not when the server process is killed with SIGKILL".
 * A parent process runs compressor workers; the test SIGKILLs it and checks every ffmpeg by PID.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { killIfAlive, waitGone, isAlive } from './worker-harness.ts';

const PARENT = fileURLToPath(new URL('./fixtures/compressing-parent.ts', import.meta.url));
const children = new Set<ChildProcess>();
const pids = new Set<number>();

after(() => {
  for (const c of children) if (c.pid !== undefined) killIfAlive(c.pid);
  for (const pid of pids) killIfAlive(pid);
});

/** Starts the parent and resolves with the first `n` ffmpeg PIDs it reports. */
async function startParent(args: string[], n: number): Promise<{ parent: ChildProcess; ffmpegPids: number[] }> {
  const parent = spawn(process.execPath, ['--import', 'tsx', PARENT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(parent);
  let err = '';
  parent.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const ffmpegPids = await new Promise<number[]>((resolve, reject) => {
    const got: number[] = [];
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`parent reported ${got.length}/${n} ffmpeg PIDs; stderr: ${err.slice(-2000)}`)), 30_000);
    parent.stdout!.on('data', (b: Buffer) => {
      buf += b.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        const pid = (JSON.parse(l) as { pid: number }).pid;
        got.push(pid);
        pids.add(pid);
      }
      if (got.length >= n) {
        clearTimeout(timer);
        resolve(got.slice(0, n));
      }
    });
  });
  return { parent, ffmpegPids };
}

async function sigkill(parent: ChildProcess): Promise<void> {
  const exited = new Promise((r) => parent.once('exit', r));
  parent.kill('SIGKILL');
  await exited;
}

describe('no orphan ffmpeg after SIGKILL of the server', { timeout: 90_000 }, () => {
  it('ffmpeg writing frames to the worker pipe', async () => {
    const { parent, ffmpegPids } = await startParent(['2'], 2);
    // Let the encoders run a moment so they are in steady state, not starting up.
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(ffmpegPids.every(isAlive));
    await sigkill(parent);
    for (const pid of ffmpegPids) assert.equal(await waitGone(pid, 5000), true, `ffmpeg ${pid} survived SIGKILL of its parent`);
  });

  it('ffmpeg pushing to a remote peer (no pipe to the parent but the watchdog)', async () => {
    // A TCP sink standing in for a remote RTSP server that accepts and never answers: ffmpeg is
    // blocked on the network and would never notice its parent dying without the watchdog.
    const sockets = new Set<Socket>();
    const server = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const { parent, ffmpegPids } = await startParent(['1', 'push', `rtsp://127.0.0.1:${port}/site1`], 1);
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(isAlive(ffmpegPids[0]!));
      await sigkill(parent);
      assert.equal(await waitGone(ffmpegPids[0]!, 5000), true, 'pushing ffmpeg survived SIGKILL of its parent');
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });
});
