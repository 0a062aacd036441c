import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultCatalog } from '../../../../src/config/catalog.ts';
import { autoRegisterDefault, decideCompressedPublish, decidePublish, sameSecret } from '../../../../src/config/publish-policy.ts';

describe('decidePublish', () => {
  const base = defaultCatalog();
  const keyed = { ...base, cameras: base.cameras.map((c) => (c.name === 'cam2' ? { ...c, publishKey: 's3cret' } : c.name === 'cam3' ? { ...c, enabled: false } : c)) };

  it('allows a known camera', () => {
    assert.equal(decidePublish(base, false, 'site1/cam1', undefined).kind, 'allow');
  });
  it('registers an unknown camera, and its site when missing', () => {
    assert.deepEqual(decidePublish(base, true, 'site1/cam9', undefined), { kind: 'register', camera: { id: 'site1/cam9', site: 'site1', name: 'cam9', enabled: true } });
    assert.deepEqual(decidePublish(base, true, 'lab/x', undefined), {
      kind: 'register',
      camera: { id: 'lab/x', site: 'lab', name: 'x', enabled: true },
      site: { id: 'lab', name: 'lab' },
    });
  });
  it('refuses unknown cameras when auto-registration is off, bad paths, disabled cameras and wrong keys', () => {
    const reason = (path: string, key?: string, auto = false): string | undefined => {
      const d = decidePublish(keyed, auto, path, key);
      return d.kind === 'reject' ? d.reason : undefined;
    };
    assert.equal(reason('site1/cam9'), 'unknown-camera');
    assert.equal(reason('cam1', undefined, true), 'bad-path');
    assert.equal(reason('a/b/c', undefined, true), 'bad-path');
    assert.equal(reason('site1/cam3'), 'disabled');
    assert.equal(reason('site1/cam2'), 'bad-key');
    assert.equal(reason('site1/cam2', 'wrong'), 'bad-key');
    assert.equal(reason('site1/cam2', 's3cret'), undefined);
  });
  it('auto-registration defaults on only while nothing is secured (security 17.6)', () => {
    assert.equal(autoRegisterDefault(base, false), true, 'the embedded default catalog: the quickstart registers new cameras');
    assert.equal(autoRegisterDefault(keyed, false), false, 'a camera with a publish key turns it off');
    assert.equal(autoRegisterDefault(base, true), false, 'factory read or publish credentials turn it off');
  });
  it('Factory 2 takes only enabled catalog cameras, never registers (security 17.1)', () => {
    assert.equal(decideCompressedPublish(keyed, 'site1/cam2').kind, 'allow', 'a keyed camera: the compressor needs no camera key');
    const reason = (path: string): string | undefined => {
      const d = decideCompressedPublish(keyed, path);
      return d.kind === 'reject' ? d.reason : undefined;
    };
    assert.equal(reason('evil/injected'), 'unknown-camera');
    assert.equal(reason('site1/cam9'), 'unknown-camera');
    assert.equal(reason('site1/cam3'), 'disabled');
  });
  it('sameSecret compares any lengths', () => {
    assert.equal(sameSecret('a', 'a'), true);
    assert.equal(sameSecret('a', 'ab'), false);
    assert.equal(sameSecret('', 'x'), false);
  });
});
