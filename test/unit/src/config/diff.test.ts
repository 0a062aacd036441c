import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultCatalog, type Catalog } from '../../../../src/config/catalog.ts';
import { diffCatalog, diffSettings } from '../../../../src/config/diff.ts';
import { DEFAULT_SETTINGS, parseSettings } from '../../../../src/config/settings.ts';

describe('diffCatalog', () => {
  const base = defaultCatalog();
  const edit = (fn: (c: { sites: Catalog['sites'][number][]; cameras: Catalog['cameras'][number][]; profiles: Catalog['profiles'][number][] }) => void): Catalog => {
    const c = { sites: [...base.sites], cameras: [...base.cameras], profiles: [...base.profiles] };
    fn(c);
    return c;
  };

  it('no change is empty', () => {
    assert.equal(diffCatalog(base, defaultCatalog(), 'default').empty, true);
  });

  it('changing the default profile recompresses every camera using it, not the others', () => {
    const after = edit((c) => {
      c.cameras[1] = { ...c.cameras[1]!, profile: 'low' };
      c.profiles[0] = { ...c.profiles[0]!, bitrateKbps: 500 };
    });
    const d = diffCatalog(base, after, 'default');
    assert.deepEqual(d.profiles.changed, ['default']);
    assert.deepEqual(d.cameras.changed, ['site1/cam2']);
    assert.deepEqual(d.recompress, ['site1/cam1', 'site1/cam2', 'site1/cam3', 'site1/cam4', 'site1/cam5']);
  });

  it('editing an unused profile restarts nothing; enabling is a camera change only', () => {
    const after = edit((c) => {
      c.profiles[1] = { ...c.profiles[1]!, fps: 10 };
      c.cameras[4] = { ...c.cameras[4]!, enabled: false };
      c.cameras.push({ id: 'site1/cam6', site: 'site1', name: 'cam6', enabled: true });
      c.sites.shift();
    });
    const d = diffCatalog(base, after, 'default');
    assert.deepEqual(d.recompress, []);
    assert.deepEqual(d.cameras, { added: ['site1/cam6'], removed: [], changed: ['site1/cam5'] });
    assert.deepEqual(d.sites.removed, ['site1']);
  });
});

describe('diffSettings', () => {
  it('names the sections that changed', () => {
    const after = parseSettings({ factories: { compressed: { rtspPort: 9555 } }, api: { token: 'secret-token' } });
    assert.deepEqual(diffSettings(DEFAULT_SETTINGS, after), ['factories.compressed', 'api']);
    assert.deepEqual(diffSettings(DEFAULT_SETTINGS, parseSettings({})), []);
    const tls = { certFile: '/c.pem', keyFile: '/k.pem' };
    assert.deepEqual(diffSettings(parseSettings({ tls }), parseSettings({ tls: { ...tls, certFile: '/other.pem' } })), ['tls']);
    const hooks = parseSettings({ hooks: [{ name: 'rec', on: 'stream.ready', command: ['rec'] }] });
    assert.deepEqual(diffSettings(DEFAULT_SETTINGS, hooks), ['hooks']);
  });
});
