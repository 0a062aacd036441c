/**
 * The WHEP routes on the API server (no browser): the content-type exception, the Origin rule
 * (a read, but same-origin or api.allowedOrigins only), read access, CORS headers, 404 for a camera
 * that is not live, and that other routes keep their JSON-only rule.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startFixture, TOKEN, type Fixture } from '../api/fixture.ts';
import { silentLogger } from '../../../../src/log/logger.ts';
import { StreamRegistry } from '../../../../src/streams/registry.ts';
import { WhepAuth } from '../../../../src/webrtc/whep-auth.ts';
import { WhepService } from '../../../../src/webrtc/whep-service.ts';

const TWIN = 'https://twin.example.org';

describe('WHEP routes', () => {
  let f: Fixture;
  let service: WhepService;
  const registries = { raw: new StreamRegistry('raw'), compressed: new StreamRegistry('compressed') };
  before(async () => {
    service = new WhepService({
      registries,
      maxSessions: 4,
      ice: { hostAddresses: ['127.0.0.1'], bindAddress: '127.0.0.1', portRange: undefined, stunServers: [] },
      advertisedHosts: [],
      readerQueue: { maxPendingBytes: 1e6, maxDroppingMs: 1000 },
      log: silentLogger,
    });
    const auth = new WhepAuth({ apiToken: TOKEN, readCredentials: { raw: { user: 'viewer', pass: 'pw' } } });
    f = await startFixture({ token: TOKEN, allowedOrigins: [TWIN] }, { whep: { service, auth } });
  });
  after(async () => {
    service.close();
    await f.close();
  });

  const post = (path: string, headers: Record<string, string>, body = 'v=0\r\n'): Promise<Response> =>
    fetch(`http://127.0.0.1:${f.port}${path}`, { method: 'POST', headers: { 'content-type': 'application/sdp', ...headers }, body });
  const basic = `Basic ${Buffer.from('viewer:pw').toString('base64')}`;

  it('needs the factory read credentials or the API token (401 names both schemes)', async () => {
    const res = await post('/whep/raw/site1/cam1', {});
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Basic realm="cupola", Bearer realm="cupola"');
    assert.equal((await post('/whep/raw/site1/cam1', { authorization: basic })).status, 404, 'Basic read credentials pass');
    assert.equal((await post(`/whep/compressed/site1/cam1?token=${TOKEN}`, {})).status, 404, '?token= passes');
    assert.equal((await post('/whep/compressed/site1/cam1', { authorization: basic })).status, 401, 'raw credentials do not open compressed');
  });

  it('an offer for a camera that is not live is 404 with the reason; an unknown factory 404', async () => {
    const res = await post('/whep/raw/site1/cam1', { authorization: `Bearer ${TOKEN}` });
    assert.equal(res.status, 404);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /not live on factory raw/);
    assert.equal((await post('/whep/other/site1/cam1', { authorization: `Bearer ${TOKEN}` })).status, 404);
  });

  it('takes application/sdp (415 for anything else), an explicit exception to the JSON-only rule of other routes', async () => {
    assert.equal((await post('/whep/raw/site1/cam1', { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' })).status, 415);
    const json = await fetch(`http://127.0.0.1:${f.port}/api/v1/sites`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/sdp' }, body: 'v=0' });
    assert.equal(json.status, 415, 'the API itself still refuses SDP bodies');
  });

  it('Origin: the own origin and api.allowedOrigins get CORS headers; a foreign page is 403', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const foreign = await post('/whep/raw/site1/cam1', { ...auth, origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
    const twin = await post('/whep/raw/site1/cam1', { ...auth, origin: TWIN });
    assert.equal(twin.status, 404);
    assert.equal(twin.headers.get('access-control-allow-origin'), TWIN);
    assert.match(twin.headers.get('access-control-expose-headers') ?? '', /Location/);
    const own = await post('/whep/raw/site1/cam1', { ...auth, origin: `http://127.0.0.1:${f.port}` });
    assert.equal(own.status, 404);
    const pre = await fetch(`http://127.0.0.1:${f.port}/whep/raw/site1/cam1`, { method: 'OPTIONS', headers: { origin: TWIN, 'access-control-request-method': 'POST' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), TWIN);
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.equal(pre.headers.get('accept-post'), 'application/sdp');
    const preForeign = await fetch(`http://127.0.0.1:${f.port}/whep/raw/site1/cam1`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    assert.equal(preForeign.status, 403);
  });

  it('DELETE and PATCH of an unknown session are 404', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const del = await fetch(`http://127.0.0.1:${f.port}/whep/raw/site1/cam1/0123`, { method: 'DELETE', headers: auth });
    assert.equal(del.status, 404);
    const patch = await fetch(`http://127.0.0.1:${f.port}/whep/raw/site1/cam1/0123`, { method: 'PATCH', headers: { ...auth, 'content-type': 'application/trickle-ice-sdpfrag' }, body: 'a=candidate:1 1 udp 1 127.0.0.1 9 typ host' });
    assert.equal(patch.status, 404);
  });
});
