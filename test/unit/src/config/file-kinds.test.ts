/**
 * Issue 16.4: the catalog (DATA_DIR/config.json) and the node settings file (--config) are both
 * JSON "config" files. Handed one where the other belongs, each says which kind it expected.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '../../../../src/config/file-store.ts';
import { fileKind, readSettingsFile } from '../../../../src/config/settings.ts';

describe('catalog vs settings file', () => {
  it('--config handed the embedded catalog says it is a catalog and what it expected', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cupola-kinds-'));
    try {
      // The real catalog file, as the embedded store writes it on first start.
      const store = new FileStore({ dataDir: dir, defaultProfile: 'default' });
      await store.load();
      await store.put('sites', { id: 'north', name: 'North' });
      await store.close();
      const catalogFile = join(dir, 'config.json');
      assert.equal(fileKind(JSON.parse(await readFile(catalogFile, 'utf8'))), 'catalog');
      await assert.rejects(readSettingsFile(catalogFile), (err: Error) => {
        assert.match(err.message, /is a catalog file \(version, sites, cameras, profiles/);
        assert.match(err.message, /--config \/ CUPOLA_CONFIG expects a node settings file/);
        assert.doesNotMatch(err.message, /unknown field/);
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a settings file in the data dir says it looks like node settings', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cupola-kinds-'));
    try {
      await writeFile(join(dir, 'config.json'), JSON.stringify({ node: { role: 'master' }, factories: { raw: { rtmpPort: 1935 } } }));
      const store = new FileStore({ dataDir: dir, defaultProfile: 'default' });
      await assert.rejects(store.load(), /config\.json is invalid \(this looks like a node settings file: pass it with --config/);
      await store.close().catch(() => {});
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a real settings file still reads, cameras.autoRegister included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cupola-kinds-'));
    try {
      const file = join(dir, 'node.json');
      await writeFile(file, JSON.stringify({ node: { role: 'master' }, cameras: { autoRegister: false } }));
      assert.deepEqual(await readSettingsFile(file), { node: { role: 'master' }, cameras: { autoRegister: false } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
