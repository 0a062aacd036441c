/**
 * One contract, both catalog stores: the embedded file store always; the MongoDB store when
 * CUPOLA_TEST_MONGO_URL points at a server (skipped with the reason otherwise).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it as nodeIt } from 'node:test';
import { defaultCatalog } from '../../../../src/config/catalog.ts';
import { FileStore } from '../../../../src/config/file-store.ts';
import { MongoStore } from '../../../../src/config/mongo-store.ts';
import { CatalogLossError } from '../../../../src/config/catalog-guard.ts';
import type { CollectionName } from '../../../../src/config/model.ts';
import { ConfigValidationError } from '../../../../src/config/schema-kit.ts';
import {
  StoreConflictError,
  StoreNotFoundError,
  type ConfigChange,
  type ConfigStore,
} from '../../../../src/config/store.ts';

interface Backing {
  /** A new store instance over the same backing data (reopen). */
  open(options?: { resetCatalog?: boolean }): ConfigStore;
  /** Empties a collection behind the store's back (a hand edit, a dropped collection). */
  wipe(collection: CollectionName): Promise<void>;
  cleanup(): Promise<void>;
}

function storeContract(name: string, makeBacking: () => Promise<Backing>, skip: string | false): void {
  // Skip each test, not the suite: node:test counts skipped tests only, so a skipped describe shows
  // as "# skipped 0" in the summary (issue 16.12).
  const it = (title: string, fn: () => Promise<void>): void => void nodeIt(title, { skip }, fn);
  describe(`ConfigStore contract: ${name}`, () => {
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

    // Security (17.3): the same guard for both stores.
    it('refuses to start on a catalog whose cameras were emptied behind its back; resetCatalog accepts it', () =>
      withStore(async (store, backing) => {
        await store.put('cameras', { id: 'site1/keyed', site: 'site1', name: 'keyed', enabled: true, publishKey: 'k-123' });
        await backing.wipe('cameras');
        await assert.rejects(backing.open().load(), (err: unknown) => err instanceof CatalogLossError && err.lost.join() === 'cameras');
        const reset = backing.open({ resetCatalog: true });
        try {
          const cat = await reset.load();
          assert.equal(cat.cameras.length, 0);
          assert.equal(cat.sites.length, 1);
        } finally {
          await reset.close();
        }
        const next = backing.open();
        try {
          assert.equal((await next.load()).cameras.length, 0, 'accepted once, then it is the last good catalog');
        } finally {
          await next.close();
        }
      }));

    it('emptying a collection through the store is not a loss at the next start', () =>
      withStore(async (store, backing) => {
        for (const c of store.catalog().cameras) assert.equal(await store.delete('cameras', c.id), true);
        const again = backing.open();
        try {
          assert.equal((await again.load()).cameras.length, 0);
        } finally {
          await again.close();
        }
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
      open: (o = {}) => new FileStore({ dataDir: dir, defaultProfile: 'default', ...o }),
      wipe: async (collection) => {
        const file = join(dir, 'config.json');
        const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
        json[collection] = [];
        await writeFile(file, JSON.stringify(json));
      },
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
    const open = (o: { resetCatalog?: boolean } = {}): ConfigStore =>
      // No seed option: a fresh database gets the default catalog, as main.ts opens it.
      new MongoStore({ url: mongoUrl!, database, defaultProfile: 'default', serverSelectionTimeoutMs: 3000, ...o });
    return {
      open,
      wipe: async (collection) => {
        const { MongoClient } = await import('mongodb');
        const client = new MongoClient(mongoUrl!);
        try {
          await client.db(database).collection(collection).deleteMany({});
        } finally {
          await client.close();
        }
      },
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
