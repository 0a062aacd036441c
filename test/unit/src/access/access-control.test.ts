import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessControl } from '../../../../src/access/access-control.ts';
import type { AccessBackend, AccessRequest } from '../../../../src/access/access-request.ts';
import { IpRules } from '../../../../src/access/ip-rules.ts';
import { silentLogger } from '../../../../src/log/logger.ts';

const REQ: AccessRequest = { action: 'read', protocol: 'rtsp', path: 'site1/cam1', ip: '10.0.0.9', user: 'u', password: 'p' };

describe('AccessControl', () => {
  it('internal: the protocol check decides, IP lists first; async only when there is something to wait for', async () => {
    const ac = new AccessControl('internal', new IpRules({}, { api: ['10.0.0.0/8'] }), null, silentLogger);
    assert.equal(ac.isAsync('read'), false);
    assert.equal(ac.isAsync('api'), true);
    assert.deepEqual(await ac.authorize(REQ, () => true), { allowed: true });
    const wrong = await ac.authorize(REQ, () => false);
    assert.equal(!wrong.allowed && wrong.reason, 'credentials');
    let asked = false;
    const byIp = await ac.authorize({ ...REQ, action: 'api' }, () => (asked = true));
    assert.equal(!byIp.allowed && byIp.reason, 'ip');
    assert.equal(asked, false, 'the credential check is not reached');
  });

  it('external: the backend decides (the internal check is not asked); a throwing backend is a refusal', async () => {
    let calls = 0;
    const ok: AccessBackend = { authorize: async () => (calls++, { allowed: true, user: 'u' }) };
    const ac = new AccessControl('http', new IpRules(), ok, silentLogger);
    assert.equal(ac.isAsync('read'), true);
    assert.ok((await ac.authorize(REQ, () => false)).allowed);
    assert.equal(calls, 1);
    const broken = new AccessControl('http', new IpRules(), { authorize: async () => { throw new Error('bug'); } }, silentLogger);
    const v = await broken.authorize(REQ);
    assert.equal(!v.allowed && v.reason, 'unavailable');
    assert.throws(() => new AccessControl('jwt', new IpRules(), null, silentLogger), /needs its backend/);
  });

  it("the node's own reader credential reads without the backend or the IP lists, and only reads", async () => {
    let calls = 0;
    const no: AccessBackend = { authorize: async () => (calls++, { allowed: false, reason: 'credentials', message: 'no' }) };
    const ac = new AccessControl('http', new IpRules({}, { read: ['0.0.0.0/0'] }), no, silentLogger);
    ac.trustReader({ user: 'cupola-internal', pass: 'per-run-secret' });
    assert.ok((await ac.authorize({ ...REQ, user: 'cupola-internal', password: 'per-run-secret' })).allowed);
    assert.equal(calls, 0);
    assert.equal((await ac.authorize({ ...REQ, user: 'cupola-internal', password: 'guess' })).allowed, false);
    assert.equal((await ac.authorize({ ...REQ, action: 'publish', user: 'cupola-internal', password: 'per-run-secret' })).allowed, false);
  });
});
