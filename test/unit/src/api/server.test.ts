import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../../../helpers/server.ts';
import { makeReadOnly } from '../config/read-only-dir.ts';
import { startFixture, TOKEN, type Fixture } from './fixture.ts';

describe('API server: auth', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture();
  });
  after(() => f.close());

  it('health endpoints need no token', async () => {
    assert.deepEqual((await f.request('GET', '/healthz', undefined, null)).json, { status: 'ok' });
    const ready = await f.request('GET', '/readyz', undefined, null);
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.json, { status: 'ready', checks: { listeners: 'ok', store: 'ok' } });
  });

  it('readyz answers 503 naming the failing check', async () => {
    f.checks.storeOk = false;
    try {
      const r = await f.request('GET', '/readyz', undefined, null);
      assert.equal(r.status, 503);
      assert.deepEqual(r.json.checks, { listeners: 'ok', store: 'failed: store unreachable' });
    } finally {
      f.checks.storeOk = true;
    }
  });

  it('API routes answer 401 without the token, with a wrong one, or a malformed header', async () => {
    for (const token of [null, 'wrong-token-0123456789', '']) {
      const r = await f.request('GET', '/api/v1/sites', undefined, token);
      assert.equal(r.status, 401, `token ${String(token)}`);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="cupola"');
      assert.doesNotMatch(r.text, new RegExp(TOKEN));
    }
    const raw = await fetch(`http://127.0.0.1:${f.port}/api/v1/sites`, { headers: { authorization: `Basic ${TOKEN}` } });
    assert.equal(raw.status, 401);
    assert.equal((await f.request('GET', '/api/v1/sites')).status, 200);
    assert.equal((await f.request('POST', '/api/v1/sites', { id: 'x' }, null)).status, 401);
  });

  it('/metrics is open by default (metricsAuth off)', async () => {
    const r = await f.request('GET', '/metrics', undefined, null);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /^text\/plain/);
  });

  it('unknown routes are 404 JSON', async () => {
    const r = await f.request('GET', '/api/v1/nope');
    assert.equal(r.status, 404);
    assert.equal(r.json.error.status, 404);
  });
});

describe('API server: what is public (17.13: the docs say what the server does)', () => {
  it('with a token set: the dashboard files, health and metrics answer without it, the API does not; docs/configuration.md says so', async () => {
    const dashboard = join(repoRoot, 'src/dashboard');
    const f = await startFixture({ token: TOKEN, staticDir: dashboard });
    try {
      const page = await f.request('GET', '/', undefined, null);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type')!, /^text\/html/);
      assert.equal(page.text, await readFile(join(dashboard, 'index.html'), 'utf8'), 'the same file for everyone: no data in it');
      assert.equal((await f.request('GET', '/app.js', undefined, null)).status, 200);
      for (const path of ['/healthz', '/readyz', '/metrics']) assert.equal((await f.request('GET', path, undefined, null)).status, 200, path);
      for (const path of ['/api/v1/cameras', '/api/v1/node', '/api/v1/urls']) assert.equal((await f.request('GET', path, undefined, null)).status, 401, path);
    } finally {
      await f.close();
    }
    const docs = await readFile(join(repoRoot, 'docs/configuration.md'), 'utf8');
    const row = docs.split('\n').find((l) => l.startsWith('| `api.token` |'));
    assert.ok(row !== undefined);
    for (const publicPart of ['`/healthz`', '`/readyz`', '`/metrics`', 'static files']) assert.ok(row.includes(publicPart), `api.token row names ${publicPart}`);
    const ops = await readFile(join(repoRoot, 'docs/operations.md'), 'utf8');
    assert.match(ops, /## Security[\s\S]*### What is authenticated where[\s\S]*### Defaults[\s\S]*### Locking a node down/);
  });
});

describe('API server: camera snapshots', () => {
  it('serves snapshot.jpg from the injected service, behind the token; 404 without a service', async () => {
    const jpeg = Buffer.from([0xff, 0xd8, 1, 0xff, 0xd9]);
    const asked: string[] = [];
    const f = await startFixture({ token: TOKEN }, {
      snapshots: {
        get: async (id) => {
          asked.push(id);
          return id === 'site1/cam1' ? { kind: 'ok', jpeg, takenAtMs: 0, stale: false } : { kind: 'not-live' };
        },
      },
    });
    try {
      assert.equal((await f.request('GET', '/api/v1/cameras/site1/cam1/snapshot.jpg', undefined, null)).status, 401);
      const r = await fetch(`http://127.0.0.1:${f.port}/api/v1/cameras/site1/cam1/snapshot.jpg`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('content-type'), 'image/jpeg');
      assert.deepEqual(Buffer.from(await r.arrayBuffer()), jpeg);
      assert.equal((await f.request('GET', '/api/v1/cameras/site1/cam2/snapshot.jpg')).status, 404);
      assert.deepEqual(asked, ['site1/cam1', 'site1/cam2']);
    } finally {
      await f.close();
    }
    const bare = await startFixture({ token: TOKEN });
    try {
      assert.equal((await bare.request('GET', '/api/v1/cameras/site1/cam1/snapshot.jpg')).status, 404);
    } finally {
      await bare.close();
    }
  });
});

describe('API server: auth off and metricsAuth', () => {
  it('without a token every route is open', async () => {
    const f = await startFixture({});
    try {
      assert.equal((await f.request('GET', '/api/v1/cameras', undefined, null)).status, 200);
      assert.equal((await f.request('GET', '/api/v1/streams', undefined, null)).status, 200);
    } finally {
      await f.close();
    }
  });

  it('metricsAuth "token" puts /metrics behind the API token', async () => {
    const f = await startFixture({ token: TOKEN, metricsAuth: 'token' });
    try {
      assert.equal((await f.request('GET', '/metrics', undefined, null)).status, 401);
      assert.equal((await f.request('GET', '/metrics', undefined, 'wrong-token-0123456789')).status, 401);
      const ok = await f.request('GET', '/metrics');
      assert.equal(ok.status, 200);
      assert.match(ok.text, /# TYPE cupola_/);
      assert.equal((await f.request('GET', '/healthz', undefined, null)).status, 200);
    } finally {
      await f.close();
    }
  });

  it('a separate metrics token opens /metrics only; the API token still works there', async () => {
    const METRICS = 'scrape-only-token-42';
    const f = await startFixture({ token: TOKEN, metricsAuth: 'token', metricsToken: METRICS });
    try {
      assert.equal((await f.request('GET', '/metrics', undefined, null)).status, 401);
      assert.equal((await f.request('GET', '/metrics', undefined, METRICS)).status, 200);
      assert.equal((await f.request('GET', '/metrics', undefined, TOKEN)).status, 200);
      assert.equal((await f.request('GET', '/api/v1/cameras', undefined, METRICS)).status, 401, 'the metrics token is not an API token');
    } finally {
      await f.close();
    }
  });

  it('a metrics token without an API token protects /metrics and nothing else', async () => {
    const METRICS = 'scrape-only-token-42';
    const f = await startFixture({ metricsAuth: 'token', metricsToken: METRICS });
    try {
      assert.equal((await f.request('GET', '/metrics', undefined, null)).status, 401);
      assert.equal((await f.request('GET', '/metrics', undefined, 'anything-else-123')).status, 401);
      assert.equal((await f.request('GET', '/metrics', undefined, METRICS)).status, 200);
      assert.equal((await f.request('GET', '/api/v1/cameras', undefined, null)).status, 200);
    } finally {
      await f.close();
    }
  });
});

describe('API server: failed store write', () => {
  it('answers 503 when the data dir is read-only and leaves the file intact', async (t) => {
    const f = await startFixture();
    try {
      const file = join(f.dataDir, 'config.json');
      const before = await readFile(file, 'utf8');
      const ro = await makeReadOnly(f.dataDir);
      if (typeof ro === 'string') return t.skip(ro);
      try {
        const r = await f.request('POST', '/api/v1/sites', { id: 'north', name: 'North' });
        assert.equal(r.status, 503);
        assert.match(r.json.error.message, /cannot write/);
        const d = await f.request('DELETE', '/api/v1/cameras/site1/cam1');
        assert.equal(d.status, 503);
      } finally {
        await ro.restore();
      }
      assert.equal(await readFile(file, 'utf8'), before);
      assert.equal((await f.request('GET', '/api/v1/sites/north')).status, 404);
      assert.equal((await f.request('GET', '/api/v1/cameras/site1/cam1')).status, 200);
    } finally {
      await f.close();
    }
  });
});
