import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFixture, type Fixture } from './fixture.ts';

describe('API: sites, cameras, profiles CRUD', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture();
  });
  after(() => f.close());

  it('lists the seeded catalog with revisions', async () => {
    const sites = await f.request('GET', '/api/v1/sites');
    assert.deepEqual(sites.json, { items: [{ id: 'site1', name: 'Site 1', revision: 1 }] });
    const cams = await f.request('GET', '/api/v1/cameras?site=site1');
    assert.equal(cams.json.items.length, 5);
    assert.equal((await f.request('GET', '/api/v1/cameras?site=other')).json.items.length, 0);
    const profiles = await f.request('GET', '/api/v1/profiles');
    assert.deepEqual(profiles.json.items.map((p: { id: string }) => p.id), ['default', 'low', 'hevc-720p']);
  });

  it('creates (201 + Location), refuses a duplicate (409), reads, replaces with revision checks', async () => {
    const created = await f.request('POST', '/api/v1/sites', { id: 'north', name: 'North' });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('location'), '/api/v1/sites/north');
    assert.deepEqual(created.json, { id: 'north', name: 'North', revision: 1 });
    assert.equal((await f.request('POST', '/api/v1/sites', { id: 'north' })).status, 409);
    assert.deepEqual((await f.request('GET', '/api/v1/sites/north')).json, { id: 'north', name: 'North', revision: 1 });
    const put = await f.request('PUT', '/api/v1/sites/north', { name: 'North yard', revision: 1 });
    assert.equal(put.status, 200);
    assert.equal(put.json.revision, 2);
    const stale = await f.request('PUT', '/api/v1/sites/north', { name: 'Stale', revision: 1 });
    assert.equal(stale.status, 409);
    assert.match(stale.json.error.message, /revision 2, not 1/);
    assert.equal((await f.request('GET', '/api/v1/sites/missing')).status, 404);
  });

  it('400 names every bad field; a mismatched id is refused', async () => {
    const bad = await f.request('POST', '/api/v1/profiles', { id: 'p', codec: 'vp9', bitrateKbps: 'fast', width: 641 });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json.error.fields.map((i: { path: string }) => i.path), ['codec', 'bitrateKbps', 'width']);
    const cam = await f.request('POST', '/api/v1/cameras', { site: 'mars', name: 'cam1' });
    assert.equal(cam.status, 400);
    assert.deepEqual(cam.json.error.fields, [{ path: 'site', message: 'unknown site "mars"' }]);
    const mismatch = await f.request('PUT', '/api/v1/sites/north', { id: 'south' });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.json.error.fields[0].path, 'id');
    // 17.12: PATCH with another id is refused like PUT, and nothing changes.
    const patchMismatch = await f.request('PATCH', '/api/v1/sites/north', { id: 'south', name: 'Renamed' });
    assert.equal(patchMismatch.status, 400);
    assert.deepEqual(patchMismatch.json.error.fields, [{ path: 'id', message: '"south" does not match the URL ("north")' }]);
    assert.equal((await f.request('GET', '/api/v1/sites/north')).json.name, 'North yard');
    assert.equal((await f.request('GET', '/api/v1/sites/south')).status, 404);
    assert.equal((await f.request('PATCH', '/api/v1/sites/north', { id: 'north', name: 'North' })).status, 200, 'the same id is fine');
    // 17.8: a profile value ffmpeg would read as an option is refused at the API, naming the field.
    const dash = await f.request('POST', '/api/v1/profiles', { id: 'evil', codec: 'h264', bitrateKbps: 800, preset: '-i', tune: '-filter_complex' });
    assert.equal(dash.status, 400);
    assert.deepEqual(dash.json.error.fields.map((i: { path: string }) => i.path), ['preset', 'tune']);
    assert.equal((await f.request('GET', '/api/v1/profiles/evil')).status, 404);
    const notJson = await f.request('POST', '/api/v1/sites', '{"id": ');
    assert.equal(notJson.status, 400);
    assert.match(notJson.json.error.message, /not valid JSON/);
    const notObject = await f.request('POST', '/api/v1/sites', [1, 2]);
    assert.equal(notObject.status, 400);
  });

  it('refuses a body over the limit with 413', async () => {
    const r = await f.request('POST', '/api/v1/sites', JSON.stringify({ id: 'big', name: 'x'.repeat(1024 * 1024 + 10) }));
    assert.equal(r.status, 413);
  });

  it('cameras: create under a site, patch, delete; sites/profiles in use are 409', async () => {
    const c = await f.request('POST', '/api/v1/cameras', { site: 'north', name: 'gate', profile: 'low', publishKey: 'k1' });
    assert.equal(c.status, 201);
    assert.equal(c.headers.get('location'), '/api/v1/cameras/north/gate');
    // The key is write-only (17.11): the reply says one is required; the store holds it.
    assert.deepEqual(c.json, { id: 'north/gate', site: 'north', name: 'gate', enabled: true, publishKeyRequired: true, profile: 'low', revision: 1 });
    assert.equal((await f.store.get('cameras', 'north/gate'))?.value.publishKey, 'k1');
    const patched = await f.request('PATCH', '/api/v1/cameras/north/gate', { enabled: false });
    assert.equal(patched.json.enabled, false);
    assert.equal(patched.json.revision, 2);
    assert.equal((await f.request('PATCH', '/api/v1/cameras/north/none', { enabled: false })).status, 404);
    const siteInUse = await f.request('DELETE', '/api/v1/sites/north');
    assert.equal(siteInUse.status, 409);
    assert.match(siteInUse.json.error.message, /still has 1 camera/);
    assert.equal((await f.request('DELETE', '/api/v1/profiles/low')).status, 409);
    assert.equal((await f.request('DELETE', '/api/v1/profiles/default')).status, 409);
    assert.equal((await f.request('DELETE', '/api/v1/cameras/north/gate?revision=1')).status, 409);
    assert.equal((await f.request('DELETE', '/api/v1/cameras/north/gate?revision=2')).status, 204);
    assert.equal((await f.request('DELETE', '/api/v1/cameras/north/gate')).status, 404);
    assert.equal((await f.request('DELETE', '/api/v1/sites/north')).status, 204);
  });

  it('a camera removed through the API loses its metric series; others keep theirs', async () => {
    const sample = (path: string) => ({
      factory: 'raw' as const, path, source: {}, live: false, readers: {},
      stats: { bytesIn: 1234, bytesOut: 0, framesIn: 1, framesOut: 0, framesDropped: 0, readersEvicted: 0 },
    });
    f.metrics.observeStream(sample('site1/cam4'));
    f.metrics.observeStream(sample('site1/cam5'));
    const scrape = async () => (await f.request('GET', '/metrics', undefined, null)).text;
    assert.match(await scrape(), /cupola_stream_received_bytes_total\{factory="raw",path="site1\/cam4"\} 1234/);
    assert.equal((await f.request('DELETE', '/api/v1/cameras/site1/cam4')).status, 204);
    const after = await scrape();
    assert.doesNotMatch(after, /path="site1\/cam4"/);
    assert.match(after, /cupola_stream_received_bytes_total\{factory="raw",path="site1\/cam5"\} 1234/);
  });

  it('profiles: PUT creates (201) then replaces (200) with derived defaults', async () => {
    const p = await f.request('PUT', '/api/v1/profiles/tiny', { codec: 'h264', bitrateKbps: 200, height: 240 });
    assert.equal(p.status, 201);
    assert.deepEqual(p.json, {
      id: 'tiny', codec: 'h264', bitrateKbps: 200, maxrateKbps: 250, bufsizeKbps: 400, height: 240,
      gopFrames: 50, preset: 'superfast', tune: 'zerolatency', audio: 'aac', revision: 1,
    });
    const again = await f.request('PUT', '/api/v1/profiles/tiny', { codec: 'h265', bitrateKbps: 150 });
    assert.equal(again.status, 200);
    assert.equal(again.json.codec, 'h265');
    assert.equal(again.json.height, undefined);
  });
});
