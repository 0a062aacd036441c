import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileStore } from '../../../../src/config/file-store.ts';
import { CatalogLossError } from '../../../../src/config/catalog-guard.ts';
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
    assert.deepEqual((await readdir(d)).sort(), ['config.json', 'config.json.bak']);
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
    assert.deepEqual((await readdir(d)).sort(), ['config.json', 'config.json.bak']);
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

  // Security (17.3): a file that parses but lost its content.
  describe('last good catalog (config.json.bak)', () => {
    it('is written on first start and after every write, byte for byte the catalog file', async () => {
      const d = await freshDir('bak-written');
      const store = new FileStore({ dataDir: d });
      await store.load();
      const file = join(d, 'config.json');
      assert.equal(await readFile(`${file}.bak`, 'utf8'), await readFile(file, 'utf8'));
      await store.put('cameras', { id: 'site1/keyed', site: 'site1', name: 'keyed', enabled: true, publishKey: 'k-123' });
      assert.equal(await readFile(`${file}.bak`, 'utf8'), await readFile(file, 'utf8'));
      assert.match(await readFile(`${file}.bak`, 'utf8'), /"publishKey": "k-123"/);
      await store.close();
    });

    it('refuses a config.json replaced by {} naming both files and --reset-catalog, and touches neither', async () => {
      const d = await freshDir('bak-empty');
      const first = new FileStore({ dataDir: d });
      await first.load();
      await first.put('cameras', { id: 'site1/keyed', site: 'site1', name: 'keyed', enabled: true, publishKey: 'k-123' });
      await first.close();
      const file = join(d, 'config.json');
      const good = await readFile(`${file}.bak`, 'utf8');
      await writeFile(file, '{}');
      await assert.rejects(new FileStore({ dataDir: d }).load(), (err: unknown) => {
        assert.ok(err instanceof CatalogLossError);
        assert.ok(err instanceof StoreLoadError, 'start-up stops like for any unusable catalog');
        assert.deepEqual(err.lost, ['sites', 'cameras', 'profiles']);
        assert.ok(err.message.includes(file), err.message);
        assert.ok(err.message.includes(`${file}.bak`), err.message);
        assert.match(err.message, /--reset-catalog.*CUPOLA_RESET_CATALOG=1/);
        return true;
      });
      assert.equal(await readFile(file, 'utf8'), '{}');
      assert.equal(await readFile(`${file}.bak`, 'utf8'), good);
      // The hint works: the backup copied back loads with the key.
      await writeFile(file, good);
      const restored = new FileStore({ dataDir: d });
      await restored.load();
      assert.equal((await restored.get('cameras', 'site1/keyed'))?.value.publishKey, 'k-123');
      await restored.close();
    });

    it('refuses a file that lost one collection (cameras gone, sites and profiles kept)', async () => {
      const d = await freshDir('bak-partial');
      await new FileStore({ dataDir: d }).load();
      const file = join(d, 'config.json');
      const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      json['cameras'] = [];
      await writeFile(file, JSON.stringify(json));
      await assert.rejects(new FileStore({ dataDir: d }).load(), (err: unknown) => err instanceof CatalogLossError && err.lost.join() === 'cameras');
    });

    it('resetCatalog accepts the emptied file once, with a warning; it is the new last good catalog', async () => {
      const d = await freshDir('bak-reset');
      await new FileStore({ dataDir: d }).load();
      const file = join(d, 'config.json');
      await writeFile(file, '{}');
      const warnings: string[] = [];
      const reset = new FileStore({ dataDir: d, resetCatalog: true, onWarning: (m) => warnings.push(m) });
      assert.deepEqual(await reset.load(), { sites: [], cameras: [], profiles: [] });
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /has no sites, cameras, profiles: accepted because of --reset-catalog/);
      await reset.close();
      assert.equal(await readFile(`${file}.bak`, 'utf8'), '{}');
      const next = new FileStore({ dataDir: d });
      assert.equal((await next.load()).cameras.length, 0, 'no refusal on the next start');
    });

    it('a collection emptied through the store is not taken for a loss', async () => {
      const d = await freshDir('bak-api-empty');
      const store = new FileStore({ dataDir: d });
      await store.load();
      for (const c of store.catalog().cameras) await store.delete('cameras', c.id);
      await store.close();
      const again = new FileStore({ dataDir: d });
      const cat = await again.load();
      assert.equal(cat.cameras.length, 0);
      assert.equal(cat.sites.length, 1);
    });

    it('a file from before the backup existed loads, and gets its backup then', async () => {
      const d = await freshDir('bak-upgrade');
      await new FileStore({ dataDir: d }).load();
      const file = join(d, 'config.json');
      await rm(`${file}.bak`);
      await new FileStore({ dataDir: d }).load();
      assert.equal(await readFile(`${file}.bak`, 'utf8'), await readFile(file, 'utf8'));
    });
  });
});
