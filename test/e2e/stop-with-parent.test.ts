/**
 * Issue 16.1: stopping the demo or a node by anything but a terminal Ctrl-C must not leave
 * processes behind. SIGHUP (a closed terminal) stops the demo cleanly; SIGKILL of the demo takes
 * every node and ffmpeg it started with it; a node launched by npm stops when npm is killed; a
 * snapshot grab dies with the node that started it.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, repoRoot, waitFor } from '../helpers/server.ts';
import { descendants } from '../helpers/process-tree.ts';
import { isAlive, killIfAlive } from '../unit/workers/worker-harness.ts';

const started = new Set<number>();
after(() => {
  for (const pid of started) killIfAlive(pid);
});

interface Launched {
  readonly proc: ChildProcess;
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first stdout line that contains `marker`, parsed as JSON. */
  line<T>(marker: string, ms: number): Promise<T>;
}

function launch(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Launched {
  const proc = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env });
  if (proc.pid !== undefined) started.add(proc.pid);
  let err = '';
  let out = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (s: string) => (err = (err + s).slice(-50_000)));
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (s: string) => (out += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    proc,
    stderr: () => err,
    exited,
    line: <T>(marker: string, ms: number) =>
      waitFor(() => {
        const l = out.split('\n').find((x) => x.includes(marker));
        return l === undefined ? undefined : (JSON.parse(l) as T);
      }, ms, `a "${marker}" line; stderr:\n${err.slice(-3000)}`, 100),
  };
}

/** Waits until every PID is gone; the assertion names the survivors and their command lines. */
async function assertAllGone(pids: Map<number, string>, ms: number, what: string): Promise<void> {
  try {
    await waitFor(() => [...pids.keys()].every((p) => !isAlive(p)), ms, what, 100);
  } catch {
    const left = [...pids].filter(([p]) => isAlive(p)).map(([p, cmd]) => `${p} ${cmd.slice(0, 120)}`);
    assert.deepEqual(left, [], `${what}: still running ${ms} ms later`);
  }
}

interface DemoReady {
  dataDir: string;
  slave: { pid: number };
  master: { pid: number };
}

/** Starts a one-camera demo and waits until its camera ffmpeg and the slave's compression ffmpeg run. */
async function startDemo(): Promise<{ demo: Launched; ready: DemoReady; tree: Map<number, string> }> {
  const demo = launch(process.execPath, [cliPath, 'demo', '--cameras', '1', '--any-ports', '--json']);
  const ready = await demo.line<DemoReady>('"demo-ready"', 90_000);
  const tree = await waitFor(() => {
    const d = descendants(demo.proc.pid!);
    const ffmpegs = d.filter((e) => /ffmpeg/.test(e.cmd) && !e.cmd.startsWith('/bin/sh'));
    // the camera's ffmpeg (demo's child) and the slave's compression ffmpeg (the slave's)
    return ffmpegs.length >= 2 ? new Map(d.map((e) => [e.pid, e.cmd])) : undefined;
  }, 60_000, 'the camera and compression ffmpegs', 250);
  for (const pid of tree.keys()) started.add(pid);
  assert.ok(tree.has(ready.slave.pid) && tree.has(ready.master.pid), 'both nodes are children of the demo');
  return { demo, ready, tree };
}

describe('processes stop with their parent', { timeout: 240_000 }, () => {
  it('SIGHUP stops the demo and everything it started, and removes its temp dir', async () => {
    const { demo, ready, tree } = await startDemo();
    demo.proc.kill('SIGHUP');
    const exit = await Promise.race([demo.exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`demo still running 45 s after SIGHUP:\n${demo.stderr()}`)), 45_000).unref())]);
    assert.equal(exit.code, 0, demo.stderr());
    assert.match(demo.stderr(), /SIGHUP: stopping/);
    await assertAllGone(tree, 5000, 'processes of the demo after SIGHUP');
    assert.equal(existsSync(ready.dataDir), false, `the demo's temp dir ${ready.dataDir} is removed`);
  });

  it('SIGKILL of the demo takes its nodes, camera ffmpegs and compression ffmpegs with it', async () => {
    const { demo, tree } = await startDemo();
    demo.proc.kill('SIGKILL');
    await demo.exited;
    // Nodes shut down gracefully (up to their 15 s hard stop) once the IPC channel closes.
    await assertAllGone(tree, 30_000, 'processes of the demo after SIGKILL of the demo');
  });

  it('a node launched by npm stops when npm (and its sh -c) is killed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cupola-test-'));
    const serve = [
      `'${process.execPath}'`, `'${cliPath}'`, 'serve', '--host', '127.0.0.1', '--no-compress',
      '--rtmp-port', '0', '--rtsp-port', '0', '--compressed-rtsp-port', '0', '--api-port', '0', '--data-dir', `'${dataDir}'`,
    ].join(' ');
    // The shape of `npx cupola serve`: npm -> sh -c -> node, with npm's variables in the environment.
    const sh = launch('/bin/sh', ['-c', `${serve} & wait`], { ...process.env, npm_command: 'exec' });
    await sh.line('"listening"', 60_000);
    const node = descendants(sh.proc.pid!).find((e) => e.cmd.includes('serve'));
    assert.ok(node, 'the node runs under the shell');
    started.add(node.pid);
    sh.proc.kill('SIGKILL');
    await assertAllGone(new Map([[node.pid, node.cmd]]), 20_000, 'the node after its launcher was killed');
    assert.match(sh.stderr(), /shutting down.*the parent process/);
  });

  it('SIGHUP stops a node gracefully', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cupola-test-'));
    const node = launch(process.execPath, [cliPath, 'serve', '--host', '127.0.0.1', '--no-compress',
      '--rtmp-port', '0', '--rtsp-port', '0', '--compressed-rtsp-port', '0', '--api-port', '0', '--data-dir', dataDir]);
    await node.line('"listening"', 60_000);
    node.proc.kill('SIGHUP');
    const exit = await node.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, node.stderr());
    assert.match(node.stderr(), /"shutting down".*"SIGHUP"/);
  });

  it('a snapshot grab ffmpeg dies with the process that started it', async () => {
    // An RTSP server that accepts and never answers: the grab's ffmpeg waits on the network.
    const sockets = new Set<Socket>();
    const server = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const script = [
        `import { grabJpegWithFfmpeg } from ${JSON.stringify(join(repoRoot, 'src/snapshots/ffmpeg-grab.ts'))};`,
        `import ff from '@ffmpeg-installer/ffmpeg';`,
        `grabJpegWithFfmpeg(ff.path)('rtsp://127.0.0.1:${port}/site1/cam1', { timeoutMs: 120000 }).catch(() => {});`,
        `setInterval(() => {}, 1000);`,
      ].join('\n');
      const parent = launch(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
      const grab = await waitFor(() => descendants(parent.proc.pid!).find((e) => e.cmd.includes('site1/cam1') && !e.cmd.startsWith('/bin/sh')), 30_000, 'the grab ffmpeg', 100);
      started.add(grab.pid);
      await waitFor(() => sockets.size > 0, 20_000, 'ffmpeg connected');
      parent.proc.kill('SIGKILL');
      await parent.exited;
      await assertAllGone(new Map([[grab.pid, grab.cmd]]), 5000, 'the grab ffmpeg after SIGKILL of its parent');
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });
});
