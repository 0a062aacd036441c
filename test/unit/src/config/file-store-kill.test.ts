/**
 * "A server killed at any moment never leaves a torn file": a child process writes to the embedded
 * store in a loop and is SIGKILLed at varying points of its write sequence; each time the file loads
 * as a valid catalog holding every write the child had been told was done.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { FileStore } from '../../../../src/config/file-store.ts';

const WRITER = fileURLToPath(new URL('./fixtures/store-writer.ts', import.meta.url));

/** Runs the writer until it has acknowledged `acks` writes, SIGKILLs it by PID, returns the last ack. */
async function writeThenKill(dataDir: string, acks: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let last = -1;
  try {
    const lines = createInterface({ input: child.stdout! });
    for await (const line of lines) {
      last = Number(line);
      if (last + 1 >= acks) break;
    }
    assert.ok(last + 1 >= acks, `writer ended after ${last + 1} writes: ${stderr}`);
  } finally {
    // Killed while the next write is in flight (temp file open, being written, or renamed).
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    await exited;
  }
  // Lines may still be buffered in the pipe: the child may have acknowledged more than we read.
  return last;
}

describe('FileStore killed mid-write', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cupola-kill-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('never leaves a torn or missing file, and keeps every acknowledged write', async () => {
    const dataDir = join(dir, 'data');
    let acknowledged = -1;
    // Several kills at different points; each run continues the same file from where the last left it.
    for (const acks of [1, 7, 23, 3, 41]) {
      const lastAck = await writeThenKill(dataDir, acks);
      const store = new FileStore({ dataDir });
      const catalog = await store.load(); // throws StoreLoadError on a torn file
      await store.close();
      const ids = new Set(catalog.sites.map((s) => s.id));
      for (let i = 0; i <= lastAck; i++) assert.ok(ids.has(`kill${i}`), `acknowledged write kill${i} is in the file`);
      assert.equal(catalog.cameras.length, 5, 'the rest of the catalog is intact');
      acknowledged = Math.max(acknowledged, lastAck);
      // A temp file the kill left behind is removed at the next start (load() above), never read.
      assert.deepEqual((await readdir(dataDir)).filter((n) => n.includes('.tmp-')), []);
    }
    assert.ok(acknowledged >= 40);
  });
});
