/**
 * Fault suite: the disk under the data dir fills up, then turns read-only, under a running slave
 * (the data dir is a 1 MB tmpfs mounted for the test; root only, skipped with the reason
 * otherwise). Config writes through the API fail with a clear error (503 naming the file and the
 * errno) and leave the stored config as it was; streaming goes on without losing a frame; once the
 * disk has room (or is writable) again, the next write succeeds without a restart.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllFfmpeg } from '../helpers/ffmpeg.ts';
import { meter, type FrameMeter } from '../helpers/frame-meter.ts';
import { startServer, stopAllServers, type ServerProcess } from '../helpers/server.ts';
import { assertUntouched, camera, framesAfter, stopMeters } from './fault-kit.ts';

const CAM = 'site1/cam1';

function tryMountTmpfs(dir: string): string | null {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root; not root here';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `mount -t tmpfs failed: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'cupola-disk-'));
const mountError = tryMountTmpfs(dataDir);
const skip = mountError ?? false;
if (skip !== false) console.log(`SKIP disk fault test: ${skip}`);

/** Fills the file system of `dir` until ENOSPC; returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(64 * 1024);
  try {
    for (let i = 0; i < 10_000; i++) {
      try {
        writeSync(fd, block);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw err;
      }
    }
    // The last partial block: byte by byte up to the brim.
    for (let i = 0; i < 64 * 1024; i++) {
      try {
        writeSync(fd, block, 0, 1);
      } catch {
        break; // ENOSPC: full
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

describe('fault suite: data dir full, then read-only', { timeout: 120_000 }, () => {
  let slave: ServerProcess;
  let reader: FrameMeter;
  let n = 0;
  const put = async (): Promise<{ status: number; body: { error?: { message: string } } }> => {
    const res = await fetch(slave.apiUrl(`/api/v1/cameras/site1/config-${++n}`), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: true }),
      signal: AbortSignal.timeout(5000),
    });
    return { status: res.status, body: (await res.json()) as { error?: { message: string } } };
  };
  const listed = async (): Promise<string[]> => {
    const res = await fetch(slave.apiUrl('/api/v1/cameras'), { signal: AbortSignal.timeout(5000) });
    return ((await res.json()) as { items: { id: string }[] }).items.map((c) => c.id);
  };

  before(async () => {
    if (skip !== false) return;
    slave = await startServer({ role: 'slave', dataDir, args: ['--no-compress'] });
    camera(slave.rtmpUrl(CAM));
    reader = meter(slave.rtmpUrl(CAM), { reconnect: true });
    await framesAfter(reader.log, 0, 10, 30_000, 'the reader');
    reader.log.closes = 0; // refusals before the camera was live do not count
    assert.equal((await put()).status, 201, 'a config write works before the fault');
  });

  after(async () => {
    if (skip !== false) return;
    await stopMeters(reader);
    await killAllFfmpeg();
    await stopAllServers();
    if (mountError === null) {
      try {
        execFileSync('umount', [dataDir], { stdio: 'pipe' });
      } catch (err) {
        console.log(`umount ${dataDir} failed: ${String(err)}`);
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('disk full: config writes fail with 503 naming ENOSPC, streaming continues, writes work once space is back', { skip }, async () => {
    const from = reader.log.frames;
    const t0 = Date.now();
    const before = await listed();
    const filler = fill(dataDir);
    const failed = await put();
    assert.equal(failed.status, 503, JSON.stringify(failed.body));
    assert.match(failed.body.error?.message ?? '', /^cannot write \S+config\.json: ENOSPC/, JSON.stringify(failed.body));
    assert.deepEqual(await listed(), before, 'the refused write changed nothing');
    await framesAfter(reader.log, reader.log.frames, 25, 10_000, 'the reader while the disk is full');
    unlinkSync(filler);
    const ok = await put();
    assert.equal(ok.status, 201, `a write after space is back: ${JSON.stringify(ok.body)}`);
    const lost = assertUntouched('reader while the disk was full', reader.log, from, Math.floor(((Date.now() - t0) / 1000) * 10));
    console.log(`FAULT ${JSON.stringify({ fault: 'data dir full (ENOSPC)', configWrite: `${failed.status} ${failed.body.error?.message}`, framesLost: lost, writesBackWithoutRestart: true })}`);
  });

  it('read-only: config writes fail with 503 naming EROFS, streaming continues, writes work once remounted rw', { skip }, async () => {
    const from = reader.log.frames;
    const t0 = Date.now();
    execFileSync('mount', ['-o', 'remount,ro', dataDir], { stdio: 'pipe' });
    let failed;
    try {
      failed = await put();
      assert.equal(failed.status, 503, JSON.stringify(failed.body));
      assert.match(failed.body.error?.message ?? '', /^cannot write \S+config\.json: EROFS/, JSON.stringify(failed.body));
      const ready = await fetch(slave.apiUrl('/readyz'));
      console.log(`FAULT-NOTE /readyz with a read-only data dir: ${ready.status} ${await ready.text()}`);
      await framesAfter(reader.log, reader.log.frames, 25, 10_000, 'the reader while the disk is read-only');
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', dataDir], { stdio: 'pipe' });
    }
    const ok = await put();
    assert.equal(ok.status, 201, `a write after remount rw: ${JSON.stringify(ok.body)}`);
    const lost = assertUntouched('reader while the disk was read-only', reader.log, from, Math.floor(((Date.now() - t0) / 1000) * 10));
    console.log(`FAULT ${JSON.stringify({ fault: 'data dir read-only (EROFS)', configWrite: `${failed.status} ${failed.body.error?.message}`, framesLost: lost, writesBackWithoutRestart: true })}`);
  });
});
