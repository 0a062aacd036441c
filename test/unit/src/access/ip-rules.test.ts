import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IpRules } from '../../../../src/access/ip-rules.ts';
import { parseSettings } from '../../../../src/config/settings.ts';
import { ConfigValidationError } from '../../../../src/config/schema-kit.ts';

describe('IpRules (auth.ipAllow / auth.ipDeny)', () => {
  it('lets anyone in without lists, and says so (no async check needed)', () => {
    const r = new IpRules();
    assert.equal(r.has('read'), false);
    assert.equal(r.refuse('read', '203.0.113.9'), null);
  });

  it('refuses listed addresses and ranges, per action; deny wins over allow', () => {
    const r = new IpRules({ publish: ['10.0.0.0/8', 'fd00::/8'] }, { publish: ['10.9.9.9'], read: ['192.0.2.0/24'] });
    assert.equal(r.refuse('publish', '10.1.2.3'), null);
    assert.equal(r.refuse('publish', '::ffff:10.1.2.3'), null, 'IPv4-mapped IPv6 is the IPv4 address');
    assert.equal(r.refuse('publish', 'fd00::7'), null);
    assert.match(r.refuse('publish', '10.9.9.9')!, /ipDeny\.publish/);
    assert.match(r.refuse('publish', '198.51.100.1')!, /not in auth\.ipAllow\.publish/);
    assert.match(r.refuse('read', '192.0.2.200')!, /ipDeny\.read/);
    assert.equal(r.refuse('read', '198.51.100.1'), null);
    assert.equal(r.refuse('api', '192.0.2.200'), null, 'the read list does not concern the API');
  });

  it('refuses a bad entry in the settings, naming the field', () => {
    assert.throws(() => parseSettings({ auth: { ipDeny: { read: ['10.0.0.0/33'] } } }), (err: unknown) => err instanceof ConfigValidationError && /auth\.ipDeny\.read\[0\]/.test(err.message));
    assert.throws(() => parseSettings({ auth: { ipAllow: { api: ['not-an-ip'] } } }), /auth\.ipAllow\.api\[0\]/);
  });

  it('needs the backend settings of the chosen method', () => {
    assert.throws(() => parseSettings({ auth: { method: 'http' } }), /auth\.http\.url.*--auth-http-url/);
    assert.throws(() => parseSettings({ auth: { method: 'jwt' } }), /jwksUrl/);
    const s = parseSettings({ auth: { method: 'http', http: { url: 'http://127.0.0.1:9/auth' } } });
    assert.deepEqual({ timeoutMs: s.auth.http.timeoutMs, cacheMs: s.auth.http.cacheMs }, { timeoutMs: 2000, cacheMs: 5000 });
    assert.equal(parseSettings({}).auth.method, 'internal');
    assert.throws(() => parseSettings({ auth: { method: 'jwt', jwt: { key: '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n' } } }), /auth\.jwt\.key: is not a usable public key/);
  });
});
