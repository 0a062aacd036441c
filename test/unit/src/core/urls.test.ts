import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventBus, type ApiEvent } from '../../../../src/core/events.ts';
import { UrlManager } from '../../../../src/core/url-manager.ts';
import { cameraUrls, peerEndpoint, selfEndpoint, withLearntPorts } from '../../../../src/core/urls.ts';
import { defaultCatalog } from '../../../../src/config/catalog.ts';
import { parseSettings } from '../../../../src/config/settings.ts';

const never = { isLive: () => false };

describe('urls', () => {
  it('uses the ports actually bound and brackets IPv6 hosts', () => {
    const s = parseSettings({ node: { host: 'fd00::5' } });
    const u = cameraUrls(defaultCatalog().cameras[0]!, [selfEndpoint(s, { rtspRaw: 40001 })], never);
    assert.equal(u.nodes[0]!.rtspRaw.internal, 'rtsp://[fd00::5]:40001/site1/cam1');
    assert.equal(u.nodes[0]!.rtspRaw.advertised, null);
    assert.equal(u.nodes.length, 1);
  });

  it('LL-HLS URLs: on the API port (the forwarded one advertised), https:// when the API serves TLS, none when hls is off', () => {
    const s = parseSettings({ node: { host: '10.0.0.5', advertisedHost: 'cams.example', publicPorts: { api: 18080 } } });
    const cam = defaultCatalog().cameras[0]!;
    const plain = cameraUrls(cam, [selfEndpoint(s, { api: 40080 })], { isLive: (_n, f) => f === 'raw' });
    assert.deepEqual(plain.nodes[0]!.hlsRaw, { internal: 'http://10.0.0.5:40080/hls/raw/site1/cam1/index.m3u8', advertised: 'http://cams.example:18080/hls/raw/site1/cam1/index.m3u8' });
    assert.deepEqual(plain.best.raw?.hls, plain.nodes[0]!.hlsRaw);
    const tls = cameraUrls(cam, [selfEndpoint({ ...s, api: { ...s.api, https: true } }, { api: 40080 })], never);
    assert.equal(tls.nodes[0]!.hlsCompressed?.internal, 'https://10.0.0.5:40080/hls/compressed/site1/cam1/index.m3u8');
    const off = cameraUrls(cam, [selfEndpoint({ ...s, hls: { ...s.hls, enabled: false } })], { isLive: () => true });
    assert.equal(off.nodes[0]!.hlsRaw, null);
    assert.equal(off.best.raw?.hls, null);
  });

  it('a master peers with its first upstream by default; compressors serve no URLs', () => {
    const master = parseSettings({ node: { role: 'master', upstreams: [{ id: 'slave1', host: '10.0.0.5', advertisedHost: 'a.example', publicPorts: { rtspCompressed: 1 } }] } });
    const peer = peerEndpoint(master)!;
    assert.equal(peer.role, 'slave');
    assert.equal(peer.name, 'slave1');
    const u = cameraUrls(defaultCatalog().cameras[0]!, [selfEndpoint(master), peer], { isLive: (n, f) => f === 'compressed' });
    assert.equal(u.best.compressed?.node, 'peer'); // the slave (origin) wins over this master
    assert.equal(u.best.compressed?.advertised, 'rtsp://a.example:1/site1/cam1');
    const comp = parseSettings({ node: { role: 'compressor', upstreams: [{ host: '10.0.0.5' }] } });
    assert.equal(cameraUrls(defaultCatalog().cameras[0]!, [selfEndpoint(comp), peerEndpoint(comp)!], never).nodes.length, 1);
    assert.equal(peerEndpoint(parseSettings({})), undefined);
  });

  it('every node has its WHEP URLs on the API port, and best carries the same node\'s (issue 12)', () => {
    const master = parseSettings({
      node: { role: 'master', advertisedHost: 'm.example', publicPorts: { api: 18080 }, upstreams: [{ id: 'slave1', host: '10.0.0.5', advertisedHost: 'a.example', ports: { api: 9000 } }] },
    });
    const u = cameraUrls(defaultCatalog().cameras[0]!, [selfEndpoint(master, { api: 40080 }), peerEndpoint(master)!], { isLive: (n, f) => n === 'self' || f === 'raw' });
    const self = u.nodes.find((n) => n.node === 'self')!;
    assert.deepEqual(self.whepRaw, { internal: 'http://127.0.0.1:40080/whep/raw/site1/cam1', advertised: 'http://m.example:18080/whep/raw/site1/cam1' });
    assert.equal(self.whepCompressed.internal, 'http://127.0.0.1:40080/whep/compressed/site1/cam1');
    assert.deepEqual(u.best.raw?.whep, { internal: 'http://10.0.0.5:9000/whep/raw/site1/cam1', advertised: 'http://a.example:9000/whep/raw/site1/cam1' });
    assert.equal(u.best.compressed?.node, 'self');
    assert.equal(u.best.compressed?.whep.internal, 'http://127.0.0.1:40080/whep/compressed/site1/cam1');
    // An API speaking TLS (api.https) hands out https:// WHEP URLs.
    const https = cameraUrls(defaultCatalog().cameras[0]!, [selfEndpoint(parseSettings({ api: { https: true }, tls: { certFile: '/c.pem', keyFile: '/k.pem' } }))], never);
    assert.equal(https.nodes[0]!.whepRaw.internal, 'https://127.0.0.1:8080/whep/raw/site1/cam1');
  });

  it('advertised URLs use rtmps:// and rtsps:// with the (public) TLS ports where a node serves TLS; internal ones stay plain', () => {
    const tls = { certFile: '/c.pem', keyFile: '/k.pem' };
    const s = parseSettings({
      node: { advertisedHost: 'cams.example.org', publicPorts: { rtmps: 443, rtmp: 19350 } },
      factories: { raw: { rtmpsPort: 1936, rtspsPort: 0 } },
      tls,
    });
    const cam = defaultCatalog().cameras[0]!;
    // RTSPS of Factory 1 on port 0 not bound yet: no TLS URL for it; bound: its port.
    let u = cameraUrls(cam, [selfEndpoint(s, { rtspRaw: 40001 })], { isLive: (_n, f) => f === 'raw' });
    assert.deepEqual(u.nodes[0]!.rtmpIngest, { internal: 'rtmp://127.0.0.1:1935/site1/cam1', advertised: 'rtmps://cams.example.org:443/site1/cam1' });
    assert.equal(u.nodes[0]!.rtspRaw.advertised, 'rtsp://cams.example.org:40001/site1/cam1');
    assert.equal(u.nodes[0]!.rtspCompressed.advertised, 'rtsp://cams.example.org:8555/site1/cam1', 'Factory 2 without RTSPS stays plain');
    u = cameraUrls(cam, [selfEndpoint(s, { rtspRaw: 40001, rtspsRaw: 40002 })], { isLive: (_n, f) => f === 'raw' });
    assert.deepEqual(u.nodes[0]!.rtspRaw, { internal: 'rtsp://127.0.0.1:40001/site1/cam1', advertised: 'rtsps://cams.example.org:40002/site1/cam1' });
    assert.equal(u.best.raw?.advertised, 'rtsps://cams.example.org:40002/site1/cam1');
    assert.equal(u.best.raw?.url, 'rtsp://127.0.0.1:40001/site1/cam1');
  });

  it("a peer's announced TLS ports replace configured ones; one announced as null (not offered) removes it", () => {
    const master = parseSettings({ node: { role: 'master', upstreams: [{ id: 'slave1', host: '10.0.0.5', advertisedHost: 'slave.example', ports: { rtmps: 1936 } }] } });
    const peer = peerEndpoint(master)!;
    const cam = defaultCatalog().cameras[0]!;
    assert.equal(cameraUrls(cam, [peer], never).nodes[0]!.rtmpIngest.advertised, 'rtmps://slave.example:1936/site1/cam1');
    const off = withLearntPorts(peer, { rtmp: 1, rtspRaw: 2, rtspCompressed: 3, rtmps: null, rtspsRaw: null, rtspsCompressed: 4 });
    const urls = cameraUrls(cam, [off], never).nodes[0]!;
    assert.equal(urls.rtmpIngest.advertised, 'rtmp://slave.example:1/site1/cam1');
    assert.equal(urls.rtspCompressed.advertised, 'rtsps://slave.example:4/site1/cam1');
  });

  it('publishKeyRequired without showing the key', () => {
    const u = cameraUrls({ id: 's/c', site: 's', name: 'c', enabled: true, publishKey: 'k' }, [selfEndpoint(parseSettings({}))], never);
    assert.equal(u.publishKeyRequired, true);
    assert.doesNotMatch(JSON.stringify(u), /"k"|key=/);
  });
});

describe('UrlManager', () => {
  it('emits urls.changed only when best URLs change, including camera removal', () => {
    const bus = new EventBus();
    const seen: ApiEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    const s = parseSettings({});
    const cat = defaultCatalog();
    const m = new UrlManager({ endpoints: [selfEndpoint(s)], catalog: cat, bus });
    assert.equal(seen.length, 0);
    m.setLive('self', 'raw', 'site1/cam1', true);
    m.setLive('self', 'raw', 'site1/cam1', true);
    m.setLive('self', 'raw', 'unknown/path', true);
    assert.deepEqual(seen.map((e) => e.type === 'urls.changed' && e.camera), ['site1/cam1']);
    m.setCatalog({ ...cat, cameras: cat.cameras.slice(1) });
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[1], { ...seen[1], type: 'urls.changed', camera: 'site1/cam1', best: null, urls: null });
    assert.equal(m.get('site1/cam1'), undefined);
    m.setPeerLive([{ factory: 'raw', path: 'site1/cam2' }]);
    assert.equal(m.get('site1/cam2')!.best.raw, null); // no peer endpoint configured
  });
});
