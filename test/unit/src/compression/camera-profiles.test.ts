import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cameraProfile, followedCameraProfile } from '../../../../src/compression/camera-profiles.ts';
import { defaultCatalog, parseCatalog } from '../../../../src/config/catalog.ts';

const base = defaultCatalog();
const catalog = parseCatalog({
  sites: base.sites,
  profiles: base.profiles,
  cameras: [
    { site: 'site1', name: 'cam1' },
    { site: 'site1', name: 'cam2', profile: 'low' },
    { site: 'site1', name: 'cam3', enabled: false },
  ],
});
const DEFAULT = base.profiles[0]!.id;

describe('camera profiles', () => {
  it('a catalog camera gets its own profile, else the default; a disabled one none', () => {
    const never = (): boolean => assert.fail('auto-registration asked about a catalog camera');
    assert.equal(cameraProfile(catalog, 'site1/cam1', DEFAULT, never)?.id, DEFAULT);
    assert.equal(cameraProfile(catalog, 'site1/cam2', DEFAULT, never)?.id, 'low');
    assert.equal(cameraProfile(catalog, 'site1/cam3', DEFAULT, never), undefined);
  });

  it('a camera not in the catalog gets the default profile only while auto-registration is on', () => {
    assert.equal(cameraProfile(catalog, 'site1/stranger', DEFAULT, () => true)?.id, DEFAULT);
    assert.equal(cameraProfile(catalog, 'site1/stranger', DEFAULT, () => false), undefined);
  });

  it('the compressor role compresses every camera the slave has, but no disabled one', () => {
    assert.equal(followedCameraProfile(catalog, 'site1/stranger', DEFAULT)?.id, DEFAULT);
    assert.equal(followedCameraProfile(catalog, 'site1/cam2', DEFAULT)?.id, 'low');
    assert.equal(followedCameraProfile(catalog, 'site1/cam3', DEFAULT), undefined);
  });
});
