import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileStore } from '../../../../src/config/file-store.ts';
import { StoreLoadError, StoreUnavailableError } from '../../../../src/config/store.ts';
import { makeReadOnly } from './read-only-dir.ts';

describe('FileStore', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cupola-fs-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function freshDir(name: string): Promise<string> {
    const d = join(dir, name);
    await rm(d, { recursive: true, force: true });
    return d;
  }

  it('creates the data dir and a formatted config.json on first start', async () => {
    const d = await freshDir('first');
    const store = new FileStore({ dataDir: d });
    await store.load();
    const json = JSON.parse(await readFile(join(d, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(json['version'], 1);
    assert.equal((json['cameras'] as unknown[]).length, 5);
    assert.equal((json['revisions'] as Record<string, number>)['cameras:site1/cam1'], 1);
    await store.close();
  });

  it('uses the file --config names, creating its directory', async () => {
    const d = await freshDir('custom');
    const file = join(d, 'etc', 'cupola.json');
    const store = new FileStore({ dataDir: join(d, 'unused'), file });
    await store.load();
    assert.equal(store.file, file);
    assert.equal((JSON.parse(await readFile(file, 'utf8')) as { sites: unknown[] }).sites.length, 1);
    await store.ping();
  });

  it('refuses a file that is not JSON, naming it, and never overwrites it', async () => {
    const d = await freshDir('torn');
    const first = new FileStore({ dataDir: d });
    await first.load();
    await first.close();
    const file = join(d, 'config.json');
    await writeFile(file, '{"version": 1, "sites": [');
    const store = new FileStore({ dataDir: d });
    await assert.rejects(store.load(), (err: unknown) => {
      assert.ok(err instanceof StoreLoadError);
      assert.match(err.message, /config\.json is not valid JSON/);
      assert.match(err.message, /left untouched/);
      return true;
    });
    assert.equal(await readFile(file, 'utf8'), '{"version": 1, "sites": [');
  });

  it('refuses a file with an invalid field, naming the field', async () => {
    const d = await freshDir('invalid');
    const store = new FileStore({ dataDir: d });
    await store.load();
    await store.close();
    const file = join(d, 'config.json');
    const json = JSON.parse(await readFile(file, 'utf8')) as { cameras: Record<string, unknown>[] };
    json.cameras[2]!['profile'] = 'hd';
    const text = JSON.stringify(json);
    await writeFile(file, text);
    await assert.rejects(new FileStore({ dataDir: d }).load(), /cameras\[2\]\.profile: unknown profile "hd"/);
    assert.equal(await readFile(file, 'utf8'), text);
  });

  it('removes temp files a crash left behind', async () => {
    const d = await freshDir('crash');
    const store = new FileStore({ dataDir: d });
    await store.load();
    await store.close();
    await writeFile(join(d, 'config.json.tmp-999-abc'), '{"torn');
    const again = new FileStore({ dataDir: d });
    await again.load();
    assert.deepEqual(await readdir(d), ['config.json']);
  });

  it('a failed write (read-only data dir) throws StoreUnavailableError and keeps the old file and catalog', async (t) => {
    const d = await freshDir('readonly');
    const store = new FileStore({ dataDir: d });
    await store.load();
    const file = join(d, 'config.json');
    const before = await readFile(file, 'utf8');
    const ro = await makeReadOnly(d);
    if (typeof ro === 'string') return t.skip(ro);
    try {
      await assert.rejects(store.put('sites', { id: 'new', name: 'New' }), (err: unknown) => {
        assert.ok(err instanceof StoreUnavailableError);
        assert.match(err.message, /cannot write .*config\.json/);
        return true;
      });
      assert.equal(await store.get('sites', 'new'), undefined);
      assert.equal(await readFile(file, 'utf8'), before);
      await assert.rejects(store.delete('cameras', 'site1/cam1'), StoreUnavailableError);
      assert.equal(store.catalog().cameras.length, 5);
    } finally {
      await ro.restore();
    }
    assert.deepEqual(await readdir(d), ['config.json']);
    await store.put('sites', { id: 'new', name: 'New' });
    assert.equal((await store.get('sites', 'new'))?.revision, 1);
  });

  it('reload() picks up a hand edit and reports it to watchers', async () => {
    const d = await freshDir('reload');
    const store = new FileStore({ dataDir: d });
    await store.load();
    const file = join(d, 'config.json');
    const json = JSON.parse(await readFile(file, 'utf8')) as { cameras: Record<string, unknown>[] };
    json.cameras[0]!['enabled'] = false;
    await writeFile(file, JSON.stringify(json));
    const seen: string[] = [];
    store.watch((c) => seen.push(`${c.kind} ${c.id}`));
    await store.reload();
    assert.deepEqual(seen, ['put site1/cam1']);
    assert.equal(store.catalog().cameras[0]?.enabled, false);
  });
});
