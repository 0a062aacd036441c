/**
 * One contract, both catalog stores: the embedded file store always; the MongoDB store when
 * CUPOLA_TEST_MONGO_URL points at a server (skipped with the reason otherwise).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultCatalog } from '../../../../src/config/catalog.ts';
import { FileStore } from '../../../../src/config/file-store.ts';
import { MongoStore } from '../../../../src/config/mongo-store.ts';
import { ConfigValidationError } from '../../../../src/config/schema-kit.ts';
import {
  StoreConflictError,
  StoreNotFoundError,
  type ConfigChange,
  type ConfigStore,
} from '../../../../src/config/store.ts';

interface Backing {
  /** A new store instance over the same backing data (reopen). */
  open(): ConfigStore;
  cleanup(): Promise<void>;
}

function storeContract(name: string, makeBacking: () => Promise<Backing>, skip: string | false): void {
  describe(`ConfigStore contract: ${name}`, { skip }, () => {
    async function withStore(fn: (store: ConfigStore, backing: Backing) => Promise<void>): Promise<void> {
      const backing = await makeBacking();
      const store = backing.open();
      try {
        await store.load();
        await fn(store, backing);
      } finally {
        await store.close();
        await backing.cleanup();
      }
    }

    it('seeds the default catalog on first load', () =>
      withStore(async (store) => {
        assert.deepEqual(store.catalog(), defaultCatalog());
        const cams = await store.list('cameras');
        assert.equal(cams.length, 5);
        assert.ok(cams.every((c) => c.revision === 1));
        assert.deepEqual((await store.get('sites', 'site1'))?.value, { id: 'site1', name: 'Site 1' });
        assert.equal(await store.get('sites', 'nope'), undefined);
        await store.ping();
      }));

    it('creates, replaces with revisions, and detects conflicts', () =>
      withStore(async (store) => {
        const created = await store.put('sites', { id: 'north', name: 'North' }, { mode: 'create' });
        assert.deepEqual(created, { value: { id: 'north', name: 'North' }, revision: 1 });
        await assert.rejects(store.put('sites', { id: 'north', name: 'Again' }, { mode: 'create' }), StoreConflictError);
        const replaced = await store.put('sites', { id: 'north', name: 'North 2' }, { mode: 'replace', expectedRevision: 1 });
        assert.equal(replaced.revision, 2);
        await assert.rejects(store.put('sites', { id: 'north', name: 'Stale' }, { expectedRevision: 1 }), StoreConflictError);
        await assert.rejects(store.put('sites', { id: 'ghost', name: 'G' }, { mode: 'replace' }), StoreNotFoundError);
        assert.deepEqual(await store.get('sites', 'north'), { value: { id: 'north', name: 'North 2' }, revision: 2 });
        assert.ok(store.catalog().sites.some((s) => s.id === 'north' && s.name === 'North 2'));
      }));

    it('refuses invalid documents and dangling references with field errors', () =>
      withStore(async (store) => {
        await assert.rejects(
          store.put('cameras', { id: 'mars/cam1', site: 'mars', name: 'cam1', enabled: true }),
          (err: unknown) => err instanceof ConfigValidationError && err.issues.some((i) => i.path === 'site' && /unknown site "mars"/.test(i.message)),
        );
        await assert.rejects(
          store.put('cameras', { id: 'site1/cam9', site: 'site1', name: 'cam9', enabled: true, profile: 'hd' }),
          (err: unknown) => err instanceof ConfigValidationError && err.issues.some((i) => i.path === 'profile'),
        );
        await assert.rejects(
          store.put('profiles', { ...defaultCatalog().profiles[0]!, id: 'bad', bitrateKbps: -1 }),
          (err: unknown) => err instanceof ConfigValidationError && /bitrateKbps/.test(err.message),
        );
        assert.equal(await store.get('cameras', 'site1/cam9'), undefined);
      }));

    it('deletes, and refuses deletes others depend on', () =>
      withStore(async (store) => {
        await assert.rejects(store.delete('sites', 'site1'), StoreConflictError);
        await store.put('cameras', { id: 'site1/cam2', site: 'site1', name: 'cam2', enabled: true, profile: 'low' });
        await assert.rejects(store.delete('profiles', 'low'), /used by site1\/cam2/);
        await assert.rejects(store.delete('profiles', 'default'), StoreConflictError);
        await assert.rejects(store.delete('cameras', 'site1/cam1', { expectedRevision: 7 }), StoreConflictError);
        assert.equal(await store.delete('cameras', 'site1/cam1'), true);
        assert.equal(await store.delete('cameras', 'site1/cam1'), false);
        assert.equal(store.catalog().cameras.length, 4);
      }));

    it('notifies watchers of every change with the new catalog', () =>
      withStore(async (store) => {
        const seen: ConfigChange[] = [];
        const stop = store.watch((c) => seen.push(c));
        await store.put('cameras', { id: 'site1/cam6', site: 'site1', name: 'cam6', enabled: false });
        await store.delete('cameras', 'site1/cam6');
        stop();
        await store.put('sites', { id: 'quiet', name: 'Quiet' });
        assert.deepEqual(
          seen.map((c) => [c.kind, c.collection, c.id, c.revision]),
          [
            ['put', 'cameras', 'site1/cam6', 1],
            ['delete', 'cameras', 'site1/cam6', 1],
          ],
        );
        assert.ok(seen[0]!.catalog.cameras.some((c) => c.id === 'site1/cam6'));
        assert.ok(!seen[1]!.catalog.cameras.some((c) => c.id === 'site1/cam6'));
      }));

    it('keeps writes across a reopen', () =>
      withStore(async (store, backing) => {
        await store.put('profiles', { ...defaultCatalog().profiles[0]!, id: 'tiny', bitrateKbps: 200, maxrateKbps: 250, bufsizeKbps: 400 });
        await store.put('profiles', { ...defaultCatalog().profiles[0]!, id: 'tiny', bitrateKbps: 300, maxrateKbps: 350, bufsizeKbps: 600 });
        const again = backing.open();
        try {
          const cat = await again.load();
          assert.equal(cat.profiles.find((p) => p.id === 'tiny')?.bitrateKbps, 300);
          assert.equal((await again.get('profiles', 'tiny'))?.revision, 2);
        } finally {
          await again.close();
        }
      }));
  });
}

storeContract(
  'file',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cupola-store-'));
    return {
      open: () => new FileStore({ dataDir: dir, defaultProfile: 'default' }),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
  false,
);

const mongoUrl = process.env['CUPOLA_TEST_MONGO_URL'];
storeContract(
  'mongo',
  async () => {
    const database = `cupola_test_${randomBytes(4).toString('hex')}`;
    const open = (): ConfigStore =>
      // No seed option: a fresh database gets the default catalog, as main.ts opens it.
      new MongoStore({ url: mongoUrl!, database, defaultProfile: 'default', serverSelectionTimeoutMs: 3000 });
    return {
      open,
      cleanup: async () => {
        const { MongoClient } = await import('mongodb');
        const client = new MongoClient(mongoUrl!);
        try {
          await client.db(database).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  },
  mongoUrl === undefined || mongoUrl === '' ? 'CUPOLA_TEST_MONGO_URL is not set (no MongoDB server to test against)' : false,
);
