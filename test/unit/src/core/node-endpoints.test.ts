import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSettings } from '../../../../src/config/settings.ts';
import { NodeEndpoints, type NodePorts } from '../../../../src/core/node-endpoints.ts';
import type { NodeEndpoint } from '../../../../src/core/urls.ts';

const unbound = (): NodePorts => ({ rtmp: null, rtsp: null, compressedRtsp: null, api: null, rtmps: null, rtsps: null, compressedRtsps: null });

describe('node endpoints', () => {
  it('self on the bound ports (read at each call), the peer on its configured ports until it announces others', () => {
    const settings = parseSettings({ node: { role: 'master', host: '10.0.0.2', upstreams: [{ id: 'slave1', host: '10.0.0.5', ports: { rtmp: 1935, rtspRaw: 8554, rtspCompressed: 8555 } }] } });
    const ports = unbound();
    const published: NodeEndpoint[][] = [];
    const endpoints = new NodeEndpoints(settings, ports, (list) => published.push(list));
    const [self, peer] = endpoints.list();
    assert.equal(self!.host, '10.0.0.2');
    assert.equal(peer!.name, 'slave1');
    assert.equal(peer!.ports.rtspRaw, 8554);
    assert.equal(published.length, 0, 'listing publishes nothing');

    ports.rtmp = 19350;
    assert.equal(endpoints.list()[0]!.ports.rtmp, 19350, 'a port bound later is seen');

    endpoints.learnPeerPorts({ rtmp: 2935, rtspRaw: 9554, rtspCompressed: 9555 });
    assert.equal(published.length, 1);
    assert.equal(published[0]![1]!.ports.rtspRaw, 9554, 'the learnt ports replace the configured ones');
    assert.equal(published[0]![1]!.ports.rtmp, 2935);

    endpoints.setApiPort(18080);
    assert.equal(published.length, 2);
    assert.equal(published[1]![0]!.ports.api, 18080);
    assert.equal(published[1]![1]!.ports.rtspRaw, 9554, 'learnt peer ports kept');
  });

  it('without a peer, only this node', () => {
    const endpoints = new NodeEndpoints(parseSettings({ node: { host: '10.0.0.2' } }), unbound(), () => assert.fail('nothing learnt'));
    assert.equal(endpoints.list().length, 1);
  });
});
