import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigValidationError } from '../../../../src/config/schema-kit.ts';
import { parseSettings } from '../../../../src/config/settings.ts';
import { WhepAuth } from '../../../../src/webrtc/whep-auth.ts';
import { AccessControl } from '../../../../src/access/access-control.ts';
import { IpRules } from '../../../../src/access/ip-rules.ts';
import { silentLogger } from '../../../../src/log/logger.ts';
import { iceSettings, machineIpv4Addresses } from '../../../../src/webrtc/whep-from-settings.ts';

describe('webrtc settings', () => {
  it('defaults: any UDP port, no STUN, 64 sessions', () => {
    const w = parseSettings({}).webrtc;
    assert.deepEqual(w, { enabled: true, udpPort: 0, advertisedHosts: [], stunServers: [], maxSessions: 64 });
  });

  it('refuses a port range past 65535, host names as ICE addresses, and non-STUN URLs, naming the field', () => {
    for (const [raw, field] of [
      [{ webrtc: { udpPort: 65500, maxSessions: 100 } }, 'webrtc.udpPort'],
      [{ webrtc: { advertisedHosts: ['cams.example.org'] } }, 'webrtc.advertisedHosts'],
      [{ webrtc: { stunServers: ['http://stun.example.org'] } }, 'webrtc.stunServers'],
    ] as const) {
      assert.throws(() => parseSettings(raw), (err: unknown) => err instanceof ConfigValidationError && err.message.includes(field), field);
    }
  });

  it('ICE host candidates follow the API bind address; a port range from udpPort', () => {
    const s = parseSettings({ webrtc: { udpPort: 40000, maxSessions: 10 } });
    assert.deepEqual(iceSettings(s, '10.0.0.5'), { hostAddresses: ['10.0.0.5'], bindAddress: '10.0.0.5', portRange: [40000, 40009], stunServers: [] });
    const wild = iceSettings(parseSettings({}), '0.0.0.0');
    assert.deepEqual(wild.hostAddresses, machineIpv4Addresses());
    assert.ok(wild.hostAddresses.includes('127.0.0.1'));
    assert.equal(wild.bindAddress, undefined);
    assert.equal(wild.portRange, undefined);
    assert.deepEqual(iceSettings(parseSettings({ webrtc: { iceHosts: ['192.0.2.1'] } }), '0.0.0.0').hostAddresses, ['192.0.2.1']);
  });
});

describe('WHEP read access', () => {
  const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  const q = (s = ''): URLSearchParams => new URLSearchParams(s);

  it('open when neither read credentials nor an API token are set', () => {
    const a = new WhepAuth({ readCredentials: {} });
    assert.equal(a.allows('raw', '', q()), true);
  });

  it('the factory read credentials (Basic) or the API token (header or ?token=)', () => {
    const a = new WhepAuth({ apiToken: 'secret-token', readCredentials: { raw: { user: 'viewer', pass: 'pw' } } });
    assert.equal(a.allows('raw', '', q()), false);
    assert.equal(a.allows('raw', basic('viewer', 'pw'), q()), true);
    assert.equal(a.allows('raw', basic('viewer', 'wrong'), q()), false);
    assert.equal(a.allows('compressed', basic('viewer', 'pw'), q()), false, 'credentials are per factory');
    assert.equal(a.allows('compressed', 'Bearer secret-token', q()), true);
    assert.equal(a.allows('compressed', '', q('token=secret-token')), true);
    assert.equal(a.allows('compressed', '', q('token=nope')), false);
    assert.equal(a.challenge('raw'), 'Basic realm="cupola", Bearer realm="cupola"');
  });

  it('goes through the node\'s access check as action read: its IP lists refuse (403-type verdict) before credentials', async () => {
    const access = new AccessControl('internal', new IpRules({}, { read: ['10.0.0.0/8'] }), null, silentLogger);
    const a = new WhepAuth({ readCredentials: {}, access });
    const refused = await a.authorize('raw', 'site1/cam1', '', q(), '10.1.2.3');
    assert.equal(refused.allowed, false);
    assert.equal(refused.allowed === false && refused.reason, 'ip');
    assert.equal((await a.authorize('raw', 'site1/cam1', '', q(), '::ffff:192.0.2.9')).allowed, true);
    const withCreds = new WhepAuth({ readCredentials: { raw: { user: 'viewer', pass: 'pw' } }, access });
    const v = await withCreds.authorize('raw', 'site1/cam1', '', q(), '192.0.2.9');
    assert.equal(v.allowed === false && v.reason, 'credentials', 'the internal check still runs behind the lists');
    assert.equal((await withCreds.authorize('raw', 'site1/cam1', basic('viewer', 'pw'), q(), '192.0.2.9')).allowed, true);
  });
});
