/**
 * Issue 16.9: what a person sees on the first run. A summary on a terminal, each start-up failure
 * printed once there, a bad --role refused in one line with exit 2 like CUPOLA_ROLE, `--version`,
 * and RTSP play sessions logged like RTMP ones. The terminal is a real pseudo-terminal from
 * util-linux `script`.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, repoRoot, startServer, stopAllServers, waitFor } from '../helpers/server.ts';
import { killAllFfmpeg, readWithFfmpeg, runFfmpeg, syntheticCameraArgs } from '../helpers/ffmpeg.ts';
import { descendants } from '../helpers/process-tree.ts';
import { isAlive, killIfAlive } from '../unit/workers/worker-harness.ts';

const started = new Set<number>();
after(async () => {
  for (const pid of started) killIfAlive(pid);
  await killAllFfmpeg();
  await stopAllServers();
});

function cupola(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const noScript = hasScript ? false : 'util-linux `script` is not installed (it provides the pseudo-terminal)';

/** Runs `cupola serve ...` on a pseudo-terminal; everything it prints, as the terminal shows it. */
function onTerminal(serveArgs: string[]): { text: () => string; exited: Promise<number | null>; pid: number } {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const cmd = [process.execPath, cliPath, 'serve', ...serveArgs].map(quote).join(' ');
  const proc = spawn('script', ['-q', '-e', '-f', '-c', cmd, '/dev/null'], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  started.add(proc.pid!);
  let text = '';
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (s: string) => (text += s.replace(/\r/g, '')));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { text: () => text, exited, pid: proc.pid! };
}

const quietPorts = ['--host', '127.0.0.1', '--no-compress', '--rtmp-port', '0', '--rtsp-port', '0', '--compressed-rtsp-port', '0', '--api-port', '0'];

describe('first-run output', { timeout: 180_000 }, () => {
  it('refuses a bad --role in one line with exit 2, like CUPOLA_ROLE', () => {
    for (const r of [cupola(['serve', '--role', 'mastr']), cupola(['serve'], { CUPOLA_ROLE: 'bogus' })]) {
      assert.equal(r.code, 2, r.err);
      assert.equal(r.err.trim().split('\n').length, 1, `one line, got:\n${r.err}`);
      assert.match(r.err, /^cupola serve: --role: "(mastr|bogus)" is not one of slave, master, compressor\n$/);
    }
  });

  it('prints its version', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const r = cupola(['--version']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `${pkg.version}\n`);
  });

  it('prints a summary on a terminal: role, every listener URL, the dashboard, the store', { skip: noScript }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cupola-test-'));
    const t = onTerminal([...quietPorts, '--data-dir', dataDir, '--log-level', 'warn']);
    const text = await waitFor(() => (t.text().includes('Stop with Ctrl-C') ? t.text() : undefined), 60_000, `the summary; got:\n${t.text()}`);
    const ports = JSON.parse(text.split('\n').find((l) => l.includes('"listening"'))!) as { rtmp: number; rtsp: number; compressedRtsp: number; api: number };
    assert.match(text, /cupola \d+\.\d+\.\d+: slave "cupola" is running/);
    assert.match(text, new RegExp(`RTMP ingest \\+ play +rtmp://127\\.0\\.0\\.1:${ports.rtmp}/SITE/CAMERA`));
    assert.match(text, new RegExp(`RTSP raw \\(Factory 1\\) +rtsp://127\\.0\\.0\\.1:${ports.rtsp}/SITE/CAMERA`));
    assert.match(text, new RegExp(`RTSP compressed \\(Factory 2\\) +rtsp://127\\.0\\.0\\.1:${ports.compressedRtsp}/SITE/CAMERA`));
    assert.match(text, new RegExp(`dashboard +http://127\\.0\\.0\\.1:${ports.api}/\\n`));
    assert.match(text, new RegExp(`config store +embedded file in ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const node = descendants(t.pid).find((e) => e.cmd.includes(' serve '));
    assert.ok(node);
    process.kill(node.pid, 'SIGTERM');
    assert.equal(await t.exited, 0);
    assert.equal(isAlive(node.pid), false);
  });

  it('prints a start-up failure once on a terminal, and as a JSON log line elsewhere', { skip: noScript }, async () => {
    const missing = join(tmpdir(), 'cupola-no-such-settings.json');
    const t = onTerminal([...quietPorts, '--config', missing]);
    assert.equal(await t.exited, 1);
    const lines = t.text().split('\n').filter((l) => l.includes('cannot read settings file'));
    assert.deepEqual(lines, [`cupola serve: cannot read settings file ${missing}: ENOENT: no such file or directory, open '${missing}'`]);
    const piped = cupola(['serve', ...quietPorts, '--config', missing]);
    assert.equal(piped.code, 1);
    assert.match(piped.err, /"msg":"start-up failed"/);
  });

  it('logs RTSP play sessions like RTMP ones', async () => {
    const server = await startServer({ args: ['--no-compress'] });
    runFfmpeg(syntheticCameraArgs(server.rtmpUrl('site1/cam1'), { audio: false }));
    await waitFor(async () => {
      const res = await fetch(server.apiUrl('/api/v1/streams?factory=raw'));
      return ((await res.json()) as { items: { publisher: unknown }[] }).items.some((i) => i.publisher !== null);
    }, 30_000, 'the camera live');
    const probe = await readWithFfmpeg(server.rtspUrl('site1/cam1'), { frames: 5, timeoutMs: 20_000, inputArgs: ['-rtsp_transport', 'tcp'] });
    assert.ok(probe.videoFrames >= 5);
    await waitFor(() => /"RTSP play ended".*"path":"site1\/cam1"/.test(server.logs()), 15_000, 'the play end logged');
    assert.match(server.logs(), /"RTSP play started".*"path":"site1\/cam1".*"transport":"tcp"/);
  });
});
