/**
 * The API behind the node's access check (issue 14): JWT bearer tokens with and without the `api`
 * permission on REST routes (reads and a write whose body is read while the check runs) and on
 * the event WebSocket (`?token=` or the header); a check that waits holds only its own request.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { AccessControl } from '../../../../src/access/access-control.ts';
import type { AccessBackend, AccessRequest, AccessVerdict } from '../../../../src/access/access-request.ts';
import { IpRules } from '../../../../src/access/ip-rules.ts';
import { JwtAuthorizer } from '../../../../src/access/jwt/jwt-authorizer.ts';
import { silentLogger } from '../../../../src/log/logger.ts';
import { signJwt } from '../../../helpers/auth-service.ts';
import { startFixture, type Fixture } from './fixture.ts';
import { TestWebSocket } from './ws-client.ts';

const SECRET = 'api-access-test-secret-of-32-chars!!';
const exp = Math.floor(Date.now() / 1000) + 600;
const API = signJwt({ sub: 'ops', exp, cupola_permissions: [{ action: 'api' }] }, 'HS256', SECRET);
const READ_ONLY = signJwt({ sub: 'viewer', exp, cupola_permissions: [{ action: 'read' }] }, 'HS256', SECRET);
const jwt = new JwtAuthorizer({ secret: SECRET, claim: 'cupola_permissions', clockSkewSec: 30, jwksTimeoutMs: 1000, jwksMaxAgeMs: 60_000, jwksMinRefreshMs: 1000 }, silentLogger);

const fixtures: Fixture[] = [];
after(async () => {
  for (const f of fixtures) await f.close();
});

describe('API with auth.method jwt', () => {
  it('REST: 401 without a token, 403 without the api permission, 200 with it; a refused write changes nothing', async () => {
    const f = await startFixture({ access: new AccessControl('jwt', new IpRules(), jwt, silentLogger) });
    fixtures.push(f);
    assert.equal((await f.request('GET', '/api/v1/sites', undefined, null)).status, 401);
    const forbidden = await f.request('GET', '/api/v1/sites', undefined, READ_ONLY);
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.json.error.message, /does not allow api/);
    assert.equal((await f.request('GET', '/api/v1/sites', undefined, API)).status, 200);
    assert.equal((await f.request('POST', '/api/v1/sites', { id: 'evil' }, READ_ONLY)).status, 403);
    assert.equal((await f.request('POST', '/api/v1/sites', { id: 'site9' }, API)).status, 201);
    const sites = (await f.request('GET', '/api/v1/sites', undefined, API)).json as { items: { id: string }[] };
    assert.deepEqual(sites.items.map((s) => s.id).sort(), ['site1', 'site9']);
    assert.equal((await f.request('GET', '/healthz', undefined, null)).status, 200, 'health stays public');
  });

  it('event WebSocket: ?token= or the bearer header with the api permission; 401 / 403 otherwise', async () => {
    const f = await startFixture({ access: new AccessControl('jwt', new IpRules(), jwt, silentLogger) });
    fixtures.push(f);
    await assert.rejects(TestWebSocket.open(f.port, '/api/v1/events'), /401/);
    await assert.rejects(TestWebSocket.open(f.port, `/api/v1/events?token=${READ_ONLY}`), /403/);
    const byQuery = await TestWebSocket.open(f.port, `/api/v1/events?token=${API}`);
    assert.equal((await byQuery.next(5000)).type, 'snapshot');
    byQuery.close();
    const byHeader = await TestWebSocket.open(f.port, '/api/v1/events', { Authorization: `Bearer ${API}` });
    assert.equal((await byHeader.next(5000)).type, 'snapshot');
    byHeader.close();
  });

  it('a check that waits holds only its own request', async () => {
    let release!: (v: AccessVerdict) => void;
    const asked: AccessRequest[] = [];
    const slow: AccessBackend = {
      authorize: (req) => {
        asked.push(req);
        return new Promise((r) => (release = r));
      },
    };
    const f = await startFixture({ access: new AccessControl('http', new IpRules(), slow, silentLogger) });
    fixtures.push(f);
    const pending = f.request('GET', '/api/v1/streams', undefined, 'some-token');
    for (let i = 0; i < 100 && asked.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(asked[0]?.token, 'some-token');
    assert.deepEqual({ path: asked[0]?.path, protocol: asked[0]?.protocol, action: asked[0]?.action }, { path: '/api/v1/streams', protocol: 'http', action: 'api' });
    assert.equal((await f.request('GET', '/healthz', undefined, null)).status, 200, 'answered while the check waits');
    release({ allowed: true });
    assert.equal((await pending).status, 200);
  });
});
