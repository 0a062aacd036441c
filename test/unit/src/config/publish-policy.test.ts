import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultCatalog } from '../../../../src/config/catalog.ts';
import { decidePublish } from '../../../../src/config/publish-policy.ts';

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
});
