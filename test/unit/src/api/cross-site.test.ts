/**
 * Security (issue 17, item 11): cross-site writes, cross-origin WebSockets and secrets in what the
 * API hands out. Real HTTP requests (fetch) and a real WebSocket client against a started server,
 * with the default configuration (no token) where the attack needs it.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebhookDispatcher } from '../../../../src/core/webhooks.ts';
import { parseSettings } from '../../../../src/config/settings.ts';
import { waitFor } from '../../../helpers/server.ts';
import { startFixture, type Fixture } from './fixture.ts';
import { TestWebSocket } from './ws-client.ts';

const EVIL = 'http://evil.example';
const KEY = 'attacker-or-owner-key-123';

async function send(f: Fixture, method: string, path: string, headers: Record<string, string>, body?: BodyInit): Promise<{ status: number; json: any }> {
  const res = await fetch(`http://127.0.0.1:${f.port}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
}

describe('API security: cross-site writes (default config, no token)', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({});
  });
  after(() => f.close());

  const csrfCam = JSON.stringify({ site: 'site1', name: 'csrfcam', publishKey: KEY });

  it('a POST of JSON sent as text/plain (what a cross-site form or no-cors fetch can send) is 415 and creates nothing', async () => {
    for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await send(f, 'POST', '/api/v1/cameras', { 'content-type': type }, csrfCam);
      assert.equal(r.status, 415, type);
      assert.match(r.json.error.message, /application\/json/);
    }
    assert.equal((await f.request('GET', '/api/v1/cameras/site1/csrfcam')).status, 404);
  });

  it('a body without any Content-Type (a typeless Blob) is 415 too; PUT and PATCH alike', async () => {
    assert.equal((await send(f, 'POST', '/api/v1/cameras', {}, new Blob([csrfCam]))).status, 415);
    assert.equal((await send(f, 'PUT', '/api/v1/cameras/site1/csrfcam', { 'content-type': 'text/plain' }, csrfCam)).status, 415);
    assert.equal((await send(f, 'PATCH', '/api/v1/cameras/site1/cam1', { 'content-type': 'text/plain' }, JSON.stringify({ publishKey: KEY }))).status, 415);
    assert.equal((await f.request('GET', '/api/v1/cameras/site1/csrfcam')).status, 404);
    assert.equal((await f.request('GET', '/api/v1/cameras/site1/cam1')).json.publishKeyRequired, false);
  });

  it('application/json (with a charset) from a client without Origin (curl, CLI, other nodes) is accepted', async () => {
    const r = await send(f, 'POST', '/api/v1/sites', { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify({ id: 'north' }));
    assert.equal(r.status, 201);
    assert.equal((await send(f, 'DELETE', '/api/v1/sites/north', {})).status, 204);
  });

  it('a write from a foreign Origin is 403, even as application/json; DELETE without a body too', async () => {
    const json = { 'content-type': 'application/json', origin: EVIL };
    assert.equal((await send(f, 'POST', '/api/v1/cameras', json, csrfCam)).status, 403);
    assert.equal((await send(f, 'PATCH', '/api/v1/cameras/site1/cam1', json, JSON.stringify({ enabled: false }))).status, 403);
    const del = await send(f, 'DELETE', '/api/v1/cameras/site1/cam2', { origin: EVIL });
    assert.equal(del.status, 403);
    assert.match(del.json.error.message, /evil\.example.*api\.allowedOrigins/);
    assert.equal((await send(f, 'DELETE', '/api/v1/cameras/site1/cam2', { origin: 'null' })).status, 403, 'Origin: null (sandboxed frame)');
    assert.equal((await f.request('GET', '/api/v1/cameras/site1/cam2')).status, 200, 'nothing was deleted');
    assert.equal((await f.request('GET', '/api/v1/cameras/site1/cam1')).json.enabled, true);
    assert.equal((await f.request('GET', '/api/v1/cameras/site1/csrfcam')).status, 404);
  });

  it('reads are not concerned: a GET from a foreign Origin answers (CORS, not this guard, decides what a page may read)', async () => {
    assert.equal((await send(f, 'GET', '/api/v1/sites', { origin: EVIL })).status, 200);
  });

  it("the API's own origin (its dashboard) may write: Origin host:port equals Host", async () => {
    const own = `http://127.0.0.1:${f.port}`;
    const r = await send(f, 'PATCH', '/api/v1/cameras/site1/cam3', { 'content-type': 'application/json', origin: own }, JSON.stringify({ enabled: false }));
    assert.equal(r.status, 200);
    assert.equal((await send(f, 'PATCH', '/api/v1/cameras/site1/cam3', { 'content-type': 'application/json', origin: `http://127.0.0.1:${f.port + 1}` }, '{}')).status, 403, 'another port is another origin');
    assert.equal((await send(f, 'PATCH', '/api/v1/cameras/site1/cam3', { 'content-type': 'application/json', origin: `http://localhost:${f.port}` }, '{}')).status, 403, 'another host name is another origin');
  });

  it('a WebSocket opened from a foreign Origin is refused with 403; without Origin or from its own origin it opens', async () => {
    await assert.rejects(TestWebSocket.open(f.port, '/api/v1/events', { Origin: EVIL }), /403/);
    await assert.rejects(TestWebSocket.open(f.port, '/api/v1/events', { Origin: 'null' }), /403/);
    for (const headers of [{}, { Origin: `http://127.0.0.1:${f.port}` }] as Record<string, string>[]) {
      const ws = await TestWebSocket.open(f.port, '/api/v1/events', headers);
      try {
        assert.equal((await ws.next())['type'], 'snapshot');
      } finally {
        ws.close();
      }
    }
  });
});

describe('API security: api.allowedOrigins', () => {
  it('a listed origin may write and open the socket; others stay refused', async () => {
    const OPS = 'https://ops.example.org';
    const f = await startFixture({ allowedOrigins: [OPS] });
    try {
      const h = (origin: string) => ({ 'content-type': 'application/json', origin });
      assert.equal((await send(f, 'POST', '/api/v1/sites', h(OPS), JSON.stringify({ id: 'ops' }))).status, 201);
      assert.equal((await send(f, 'POST', '/api/v1/sites', h('HTTPS://OPS.example.org:443'), JSON.stringify({ id: 'ops2' }))).status, 201, 'compared normalised');
      assert.equal((await send(f, 'POST', '/api/v1/sites', h('http://ops.example.org'), JSON.stringify({ id: 'ops3' }))).status, 403);
      assert.equal((await send(f, 'POST', '/api/v1/sites', h(EVIL), JSON.stringify({ id: 'evil' }))).status, 403);
      const ws = await TestWebSocket.open(f.port, '/api/v1/events', { Origin: OPS });
      ws.close();
      await assert.rejects(TestWebSocket.open(f.port, '/api/v1/events', { Origin: EVIL }), /403/);
    } finally {
      await f.close();
    }
  });

  it('settings refuse an entry that is not an origin', () => {
    assert.throws(() => parseSettings({ api: { allowedOrigins: ['https://ops.example.org/dashboard'] } }), /api\.allowedOrigins\[0\]: invalid value/);
    assert.deepEqual(parseSettings({}).api.allowedOrigins, []);
  });
});

describe('API security: secrets are write-only', () => {
  let f: Fixture;
  const compression: object[] = [];
  before(async () => {
    f = await startFixture({}, { compression: { list: () => compression } });
  });
  after(() => f.close());

  const noKey = (v: unknown, where: string): void => {
    assert.doesNotMatch(JSON.stringify(v), new RegExp(KEY), `${where} shows the publish key`);
    assert.doesNotMatch(JSON.stringify(v), /"publishKey"/, `${where} has a publishKey field`);
  };

  it('publish keys never come back from writes, reads or lists: publishKeyRequired instead', async () => {
    const created = await f.request('POST', '/api/v1/cameras', { site: 'site1', name: 'keyed', publishKey: KEY });
    assert.equal(created.status, 201);
    assert.deepEqual(created.json, { id: 'site1/keyed', site: 'site1', name: 'keyed', enabled: true, publishKeyRequired: true, revision: 1 });
    const one = await f.request('GET', '/api/v1/cameras/site1/keyed');
    noKey(one.json, 'GET one');
    assert.equal(one.json.publishKeyRequired, true);
    const list = await f.request('GET', '/api/v1/cameras');
    noKey(list.json, 'GET list');
    assert.equal(list.json.items.find((c: { id: string }) => c.id === 'site1/cam1').publishKeyRequired, false);
    const patched = await f.request('PATCH', '/api/v1/cameras/site1/keyed', { profile: 'low' });
    noKey(patched.json, 'PATCH reply');
    // The store still holds the key: publishing needs it.
    assert.equal((await f.store.get('cameras', 'site1/keyed'))?.value.publishKey, KEY);
  });

  it('PUT of what GET returned keeps the key (absent = keep); null removes it; a new value replaces it', async () => {
    const got = (await f.request('GET', '/api/v1/cameras/site1/keyed')).json;
    const put = await f.request('PUT', '/api/v1/cameras/site1/keyed', { ...got, enabled: false });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    noKey(put.json, 'PUT reply');
    assert.equal(put.json.publishKeyRequired, true);
    assert.equal((await f.store.get('cameras', 'site1/keyed'))?.value.publishKey, KEY);
    const replaced = await f.request('PUT', '/api/v1/cameras/site1/keyed', { enabled: true, publishKey: 'new-key-456' });
    assert.equal(replaced.json.publishKeyRequired, true);
    assert.equal((await f.store.get('cameras', 'site1/keyed'))?.value.publishKey, 'new-key-456');
    const cleared = await f.request('PUT', '/api/v1/cameras/site1/keyed', { enabled: true, publishKey: null });
    assert.equal(cleared.json.publishKeyRequired, false);
    assert.equal((await f.store.get('cameras', 'site1/keyed'))?.value.publishKey, undefined);
    await f.request('PATCH', '/api/v1/cameras/site1/keyed', { publishKey: KEY });
    assert.equal((await f.store.get('cameras', 'site1/keyed'))?.value.publishKey, KEY);
    const patchCleared = await f.request('PATCH', '/api/v1/cameras/site1/keyed', { publishKey: null });
    assert.equal(patchCleared.json.publishKeyRequired, false);
    await f.request('PATCH', '/api/v1/cameras/site1/keyed', { publishKey: KEY });
  });

  it('the events snapshot and camera.changed events carry publishKeyRequired, never the key', async () => {
    const ws = await TestWebSocket.open(f.port, '/api/v1/events');
    try {
      const snap = await ws.next();
      assert.equal(snap['type'], 'snapshot');
      noKey(snap, 'snapshot');
      const cams = snap['cameras'] as { id: string; publishKeyRequired: boolean }[];
      assert.equal(cams.find((c) => c.id === 'site1/keyed')?.publishKeyRequired, true);
      assert.equal((await f.request('PATCH', '/api/v1/cameras/site1/keyed', { publishKey: 'rotated-key-789' })).status, 200);
      const ev = await ws.next();
      assert.equal(ev['type'], 'camera.changed');
      assert.doesNotMatch(JSON.stringify(ev), /rotated-key-789|"publishKey"/);
      assert.equal((ev['value'] as { publishKeyRequired: boolean }).publishKeyRequired, true);
      await f.request('PATCH', '/api/v1/cameras/site1/keyed', { publishKey: KEY });
      await ws.next();
    } finally {
      ws.close();
    }
  });

  it('webhooks receive camera.changed without the key (a real HTTP receiver)', async () => {
    const bodies: string[] = [];
    const receiver = createServer((req: IncomingMessage, res) => {
      let b = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (b += c));
      req.on('end', () => {
        bodies.push(b);
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const hooks = new WebhookDispatcher({ webhooks: parseSettings({ api: { webhooks: [{ url }] } }).api.webhooks, bus: f.bus });
    try {
      assert.equal((await f.request('POST', '/api/v1/cameras', { site: 'site1', name: 'hooked', publishKey: 'hook-secret-1' })).status, 201);
      const body = await waitFor(() => bodies.find((b) => b.includes('site1/hooked')), 5000, 'the webhook delivery');
      assert.equal(JSON.parse(body).value.publishKeyRequired, true);
      assert.doesNotMatch(body, /hook-secret-1|"publishKey"/);
    } finally {
      hooks.close();
      await new Promise((r) => receiver.close(r));
    }
  });

  it('URL credentials in replies and events (ffmpeg stderr, pull URLs) are redacted', async () => {
    const leaky = 'rtsp://reader:read-pass-1@127.0.0.1:8554/site1/cam1: Server returned 401 Unauthorized';
    compression.push({ path: 'site1/cam1', state: 'backoff', stderrTail: [leaky] });
    const r = await f.request('GET', '/api/v1/compression');
    assert.equal(r.status, 200);
    assert.doesNotMatch(r.text, /read-pass-1/);
    assert.match(r.text, /rtsp:\/\/\*\*\*@127\.0\.0\.1:8554\/site1\/cam1/);
    const ws = await TestWebSocket.open(f.port, '/api/v1/events');
    try {
      await ws.next();
      f.bus.publish({ type: 'compression.state', camera: 'site1/cam1', state: 'backoff', detail: leaky });
      const ev = await ws.next();
      assert.equal(ev['detail'], 'rtsp://***@127.0.0.1:8554/site1/cam1: Server returned 401 Unauthorized');
    } finally {
      ws.close();
    }
  });
});
