import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CatalogLossError, guardCatalog, lostCollections, presenceOf } from '../../../../src/config/catalog-guard.ts';
import { defaultCatalog } from '../../../../src/config/catalog.ts';
import { StoreLoadError } from '../../../../src/config/store.ts';

const ALL = { sites: true, cameras: true, profiles: true } as const;
const NONE = { sites: false, cameras: false, profiles: false } as const;

describe('catalog guard (shared by the file and MongoDB stores)', () => {
  it('presence of each collection', () => {
    assert.deepEqual(presenceOf(defaultCatalog()), ALL);
    assert.deepEqual(presenceOf({ sites: [], cameras: [], profiles: [] }), NONE);
    assert.deepEqual(presenceOf({ ...defaultCatalog(), cameras: [] }), { ...ALL, cameras: false });
  });

  const cases: { name: string; lastGood: typeof ALL | typeof NONE | Record<string, boolean> | null; loaded: Record<string, boolean>; lost: string[] }[] = [
    { name: 'first start (nothing known)', lastGood: null, loaded: NONE, lost: [] },
    { name: 'unchanged', lastGood: ALL, loaded: ALL, lost: [] },
    { name: 'emptied to {}', lastGood: ALL, loaded: NONE, lost: ['sites', 'cameras', 'profiles'] },
    { name: 'cameras dropped', lastGood: ALL, loaded: { ...ALL, cameras: false }, lost: ['cameras'] },
    { name: 'was empty, still empty', lastGood: NONE, loaded: NONE, lost: [] },
    { name: 'gained documents', lastGood: { ...NONE, profiles: true }, loaded: ALL, lost: [] },
  ];
  for (const c of cases) {
    it(`lost collections: ${c.name}`, () => {
      assert.deepEqual(lostCollections(c.lastGood as never, c.loaded as never), c.lost);
    });
  }

  it('guardCatalog throws a StoreLoadError naming where, what and the fix; reset returns the loss instead', () => {
    const where = { loaded: 'data/config.json', lastGood: 'data/config.json.bak', reset: false };
    assert.throws(() => guardCatalog(ALL, { ...ALL, cameras: false }, where), (err: unknown) => {
      assert.ok(err instanceof CatalogLossError && err instanceof StoreLoadError);
      assert.equal(
        err.message,
        'data/config.json has no cameras although the last good catalog (data/config.json.bak) had some; refusing to start rather than lose ' +
          'cameras and their publish keys. Restore it, or start once with --reset-catalog (or CUPOLA_RESET_CATALOG=1) to accept it as it is',
      );
      return true;
    });
    assert.deepEqual(guardCatalog(ALL, NONE, { ...where, reset: true }), ['sites', 'cameras', 'profiles']);
    assert.deepEqual(guardCatalog(null, NONE, where), []);
  });
});
