/**
 * Security (issue 17, item 3) with the real `cupola serve`: a catalog file emptied to `{}` between
 * two runs stops start-up naming the file, its backup and the flag, instead of starting with no
 * cameras (and auto-registering keyed cameras without their keys); `--reset-catalog` accepts it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startServer, stopAllServers } from '../helpers/server.ts';

describe('cupola serve: an emptied catalog file', () => {
  const dirs: string[] = [];
  after(async () => {
    await stopAllServers();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('is refused at start-up with both files named; the backup restores the keys; --reset-catalog accepts it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cupola-guard-'));
    dirs.push(dataDir);
    const file = join(dataDir, 'config.json');

    const first = await startServer({ dataDir });
    const put = await fetch(first.apiUrl('/api/v1/cameras/site1/cam1'), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ publishKey: 'cam1-secret' }),
    });
    assert.equal(put.status, 200);
    assert.equal(await first.stop(), 0);
    const good = await readFile(`${file}.bak`, 'utf8');
    assert.match(good, /cam1-secret/);

    await writeFile(file, '{}');
    await assert.rejects(startServer({ dataDir }), (err: unknown) => {
      const msg = (err as Error).message;
      assert.match(msg, /server exited \(code 1/);
      assert.ok(msg.includes(`${file} has no sites, cameras, profiles`), msg);
      assert.ok(msg.includes(`${file}.bak`), msg);
      assert.match(msg, /--reset-catalog/);
      return true;
    });
    assert.equal(await readFile(file, 'utf8'), '{}', 'the refused file is left as it was');

    // Restoring the backup brings the key back.
    await writeFile(file, good);
    const restored = await startServer({ dataDir });
    const cam = (await (await fetch(restored.apiUrl('/api/v1/cameras/site1/cam1'))).json()) as { publishKeyRequired: boolean };
    assert.equal(cam.publishKeyRequired, true);
    assert.equal(await restored.stop(), 0);

    await writeFile(file, '{}');
    const reset = await startServer({ dataDir, args: ['--reset-catalog'] });
    const cams = (await (await fetch(reset.apiUrl('/api/v1/cameras'))).json()) as { items: unknown[] };
    assert.deepEqual(cams.items, []);
    assert.match(reset.logs(), /accepted because of --reset-catalog/);
    assert.equal(await reset.stop(), 0);
  });
});
