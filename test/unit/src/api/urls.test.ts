import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventBus, type ApiEvent } from '../../../../src/api/events.ts';
import { UrlManager } from '../../../../src/api/url-manager.ts';
import { cameraUrls, peerEndpoint, selfEndpoint } from '../../../../src/api/urls.ts';
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
