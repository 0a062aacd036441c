/**
 * Hooks with a real `cupola serve` process and the bundled ffmpeg as the camera (issue 14, Hooks):
 * a stream.ready hook gets the documented CUPOLA_* variables, is restarted when it dies, and no hook
 * process (nor the background child of its shell) survives the stream's end or the node's SIGTERM,
 * checked by PID. A reader.connect hook sees the reader's protocol and address.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { killAllFfmpeg, readWithFfmpeg, runFfmpeg, syntheticCameraArgs } from '../helpers/ffmpeg.ts';
import { startServer, stopAllServers, waitFor } from '../helpers/server.ts';
import { isAlive, killIfAlive, waitGone } from '../unit/workers/worker-harness.ts';

const CAM = 'site1/cam1';
const dir = mkdtempSync(join(tmpdir(), 'cupola-hooks-e2e-'));
const pidsSeen = new Set<number>();

after(async () => {
  await killAllFfmpeg();
  await stopAllServers();
  for (const pid of pidsSeen) killIfAlive(pid);
  rmSync(dir, { recursive: true, force: true });
});

/** Numbers, one per line, that the hook scripts append to `name` in the hook directory. */
function numbers(name: string): number[] {
  try {
    return readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function envFile(prefix: string): Record<string, string> | null {
  const file = readdirSync(dir).find((f) => f.startsWith(prefix));
  if (file === undefined) return null;
  const text = readFileSync(join(dir, file), 'utf8');
  if (!text.endsWith('\n')) return null;
  return Object.fromEntries(text.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

describe('hooks (cupola serve)', () => {
  it('ready hook: documented variables, restarted when killed, gone at stream end and at SIGTERM', async () => {
    // The recorder writes its environment, its PID and its background child's PID, then waits:
    // a long-running hook like a recorder, with a grandchild to prove the process-group kill.
    const recorder = 'env | grep "^CUPOLA_" > "$HOOK_DIR/env.$$.tmp" && mv "$HOOK_DIR/env.$$.tmp" "$HOOK_DIR/env.$$"; echo $$ >> "$HOOK_DIR/pids"; sleep 100 & echo $! >> "$HOOK_DIR/kids"; echo "recorder up"; wait';
    const onReader = 'env | grep "^CUPOLA_" > "$HOOK_DIR/reader.$$.tmp" && mv "$HOOK_DIR/reader.$$.tmp" "$HOOK_DIR/reader.$$"';
    const config = join(dir, 'settings.json');
    writeFileSync(
      config,
      JSON.stringify({
        limits: { unpublishedGraceMs: 200 },
        hooks: [
          { name: 'recorder', on: 'stream.ready', factory: 'raw', paths: ['site1/*'], command: ['sh', '-c', recorder], backoffInitialMs: 100, backoffMaxMs: 200, killGraceMs: 2000 },
          { name: 'viewer', on: 'reader.connect', command: ['sh', '-c', onReader] },
        ],
      }),
    );
    const node = await startServer({ args: ['--config', config, '--no-compress'], env: { HOOK_DIR: dir } });
    const publish = () => runFfmpeg(syntheticCameraArgs(node.rtmpUrl(CAM), { audio: false, size: '160x120', fps: 15, gop: 15 }));

    let cam = publish();
    const [first] = await waitFor(() => (numbers('pids').length === 1 && numbers('kids').length === 1 ? numbers('pids') : null), 20_000, 'the ready hook to start');
    numbers('kids').forEach((p) => pidsSeen.add(p));
    pidsSeen.add(first!);
    const env = await waitFor(() => envFile(`env.${first}`), 5000, 'the hook env file');
    assert.equal(env['CUPOLA_HOOK'], 'recorder');
    assert.equal(env['CUPOLA_EVENT'], 'stream.ready');
    assert.equal(env['CUPOLA_NODE'], 'cupola');
    assert.equal(env['CUPOLA_ROLE'], 'slave');
    assert.equal(env['CUPOLA_SITE'], 'site1');
    assert.equal(env['CUPOLA_CAMERA'], 'cam1');
    assert.equal(env['CUPOLA_PATH'], CAM);
    assert.equal(env['CUPOLA_FACTORY'], 'raw');
    assert.equal(env['CUPOLA_RTSP_URL'], `rtsp://127.0.0.1:${node.ports.rtsp}/${CAM}`);
    assert.equal(env['CUPOLA_RTMP_URL'], `rtmp://127.0.0.1:${node.ports.rtmp}/${CAM}`);
    assert.match(env['CUPOLA_EVENT_TIME'] ?? '', /^\d{4}-\d\d-\d\dT/);
    assert.equal(env['CUPOLA_PUBLISHER_KIND'], 'rtmp');
    assert.match(env['CUPOLA_PUBLISHER_REMOTE'] ?? '', /^127\.0\.0\.1:\d+$/);
    assert.equal(env['CUPOLA_VIDEO_CODEC'], 'h264');
    await waitFor(() => node.logs().includes('"hook":"recorder"') && node.logs().includes('recorder up'), 5000, 'hook output in the node log');

    // The hook's RTSP URL works, and reading it runs the reader.connect hook.
    const probe = await readWithFfmpeg(env['CUPOLA_RTSP_URL']!, { frames: 5, timeoutMs: 15_000, inputArgs: ['-rtsp_transport', 'tcp'] });
    assert.ok(probe.videoFrames >= 1, `reading the hook's CUPOLA_RTSP_URL decoded no frame:\n${probe.stderr.slice(-1500)}`);
    const reader = await waitFor(() => envFile('reader.'), 5000, 'the reader.connect hook');
    assert.equal(reader['CUPOLA_HOOK'], 'viewer');
    assert.equal(reader['CUPOLA_READER_PROTOCOL'], 'rtsp');
    assert.match(reader['CUPOLA_READER_REMOTE'] ?? '', /127\.0\.0\.1/);

    // Killed (only the leader): restarted with a new PID; the old shell's background child is gone.
    const firstKid = numbers('kids')[0]!;
    process.kill(first!, 'SIGKILL');
    const second = (await waitFor(() => (numbers('pids').length === 2 && numbers('kids').length === 2 ? numbers('pids') : null), 10_000, 'the restart'))[1]!;
    pidsSeen.add(second);
    numbers('kids').forEach((p) => pidsSeen.add(p));
    assert.notEqual(second, first);
    assert.ok(await waitGone(firstKid, 5000), 'the killed run’s background child was killed with its group');

    // The camera stops: the stream ends, and with it the hook and its child.
    const secondKid = numbers('kids')[1]!;
    await cam.stop();
    assert.ok(await waitGone(second, 10_000), `ready hook ${second} still alive after the stream ended`);
    assert.ok(await waitGone(secondKid, 5000), `its background child ${secondKid} still alive`);
    assert.equal(numbers('pids').length, 2, 'not restarted once the stream ended');

    // Publish again, then SIGTERM the node: no hook process survives it.
    cam = publish();
    const third = (await waitFor(() => (numbers('pids').length === 3 && numbers('kids').length === 3 ? numbers('pids') : null), 20_000, 'the hook for the second publication'))[2]!;
    pidsSeen.add(third);
    const thirdKid = numbers('kids')[2]!;
    pidsSeen.add(thirdKid);
    assert.ok(isAlive(third) && isAlive(thirdKid));
    const code = await node.stop();
    assert.equal(code, 0, `node exit code; logs:\n${node.logs().slice(-2000)}`);
    assert.equal(isAlive(third), false, `hook ${third} survived SIGTERM of the node`);
    assert.equal(isAlive(thirdKid), false, `hook child ${thirdKid} survived SIGTERM of the node`);
    await cam.stop();
  });
});
