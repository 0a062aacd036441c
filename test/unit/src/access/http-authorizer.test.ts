/**
 * The http backend against real local auth services: one that allows some users and paths, one
 * slower than the timeout, one that is down (closed port), one that fails (500).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { HttpAuthorizer } from '../../../../src/access/http-authorizer.ts';
import type { AccessRequest } from '../../../../src/access/access-request.ts';
import { silentLogger } from '../../../../src/log/logger.ts';
import { closedPort, startAuthService, type AuthService } from '../../../helpers/auth-service.ts';

const services: AuthService[] = [];
after(async () => {
  for (const s of services) await s.close();
});

const ALICE: AccessRequest = { action: 'read', protocol: 'rtsp', path: 'site1/cam1', ip: '127.0.0.1', user: 'alice', password: 'pw-a', query: 'x=1' };

async function service(): Promise<AuthService> {
  const s = await startAuthService((b) => (b.user === 'alice' && b.password === 'pw-a' && b.path.startsWith('site1/') ? 204 : b.user === 'alice' ? 403 : 401));
  services.push(s);
  return s;
}

describe('HttpAuthorizer (auth.method http)', () => {
  it('POSTs the request tuple and allows on 2xx; 401 is a credentials refusal, 403 forbidden', async () => {
    const s = await service();
    const a = new HttpAuthorizer({ url: s.url, timeoutMs: 2000, cacheMs: 0, cacheMaxEntries: 10 }, silentLogger);
    assert.deepEqual(await a.authorize(ALICE), { allowed: true, user: 'alice' });
    assert.deepEqual(s.requests[0], { user: 'alice', password: 'pw-a', token: '', ip: '127.0.0.1', action: 'read', protocol: 'rtsp', path: 'site1/cam1', query: 'x=1' });
    const other = await a.authorize({ ...ALICE, path: 'site2/cam1' });
    assert.equal(other.allowed, false);
    assert.equal(!other.allowed && other.reason, 'forbidden');
    const wrong = await a.authorize({ ...ALICE, user: 'mallory' });
    assert.equal(!wrong.allowed && wrong.reason, 'credentials');
  });

  it('caches allow and deny for cacheMs, keyed by the whole tuple; shares a request in flight', async () => {
    const s = await service();
    let t = 0;
    const a = new HttpAuthorizer({ url: s.url, timeoutMs: 2000, cacheMs: 5000, cacheMaxEntries: 10, now: () => t }, silentLogger);
    const [one, two] = await Promise.all([a.authorize(ALICE), a.authorize(ALICE)]);
    assert.ok(one.allowed && two.allowed);
    assert.equal(s.requests.length, 1, 'two identical requests at once: one POST');
    assert.ok((await a.authorize(ALICE)).allowed);
    assert.equal((await a.authorize({ ...ALICE, user: 'mallory' })).allowed, false);
    assert.equal((await a.authorize({ ...ALICE, user: 'mallory' })).allowed, false);
    assert.equal(s.requests.length, 2, 'allow and deny answered from the cache');
    assert.equal((await a.authorize({ ...ALICE, password: 'other' })).allowed, false, 'another password is another entry');
    assert.equal(s.requests.length, 3);
    t = 5001;
    assert.ok((await a.authorize(ALICE)).allowed);
    assert.equal(s.requests.length, 4, 'expired entry asked again');
  });

  it('fails closed: a service slower than the timeout, one that is down, one that fails; none cached', async () => {
    const slow = await service();
    slow.delayMs = 1500;
    const a = new HttpAuthorizer({ url: slow.url, timeoutMs: 200, cacheMs: 5000, cacheMaxEntries: 10 }, silentLogger);
    const started = Date.now();
    const v = await a.authorize(ALICE);
    assert.equal(!v.allowed && v.reason, 'unavailable');
    assert.match(!v.allowed ? v.message : '', /no answer within 200 ms/);
    assert.ok(Date.now() - started < 1400, 'refused at the timeout, not when the service finally answers');
    slow.delayMs = 0;
    assert.ok((await a.authorize(ALICE)).allowed, 'a timeout is not cached');

    const down = new HttpAuthorizer({ url: `http://127.0.0.1:${await closedPort()}/auth`, timeoutMs: 2000, cacheMs: 5000, cacheMaxEntries: 10 }, silentLogger);
    const d = await down.authorize(ALICE);
    assert.equal(!d.allowed && d.reason, 'unavailable');

    const failing = await startAuthService(() => 500);
    services.push(failing);
    const f = new HttpAuthorizer({ url: failing.url, timeoutMs: 2000, cacheMs: 5000, cacheMaxEntries: 10 }, silentLogger);
    assert.equal((await f.authorize(ALICE)).allowed, false);
    assert.equal((await f.authorize(ALICE)).allowed, false);
    assert.equal(failing.requests.length, 2, 'a 5xx is not cached');
  });

  it('keeps at most cacheMaxEntries verdicts', async () => {
    const s = await service();
    const a = new HttpAuthorizer({ url: s.url, timeoutMs: 2000, cacheMs: 60_000, cacheMaxEntries: 2 }, silentLogger);
    for (const path of ['site1/a', 'site1/b', 'site1/c']) await a.authorize({ ...ALICE, path });
    await a.authorize({ ...ALICE, path: 'site1/c' });
    assert.equal(s.requests.length, 3);
    await a.authorize({ ...ALICE, path: 'site1/a' });
    assert.equal(s.requests.length, 4, 'the oldest entry was evicted');
  });
});
