import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTransport, parseTransport, parseTransports, type RtspTransport } from '../../../../../protocols/rtsp/headers/transport.ts';

/** Round-trip table: the canonical form parses to `value` and formats back to `wire`. */
const ROUND_TRIP: { name: string; wire: string; value: RtspTransport }[] = [
  {
    name: 'TCP interleaved (ffmpeg -rtsp_transport tcp)',
    wire: 'RTP/AVP/TCP;unicast;interleaved=0-1',
    value: { profile: 'RTP/AVP', lowerTransport: 'TCP', delivery: 'unicast', interleaved: [0, 1] },
  },
  {
    name: 'UDP unicast client ports',
    wire: 'RTP/AVP;unicast;client_port=5000-5001',
    value: { profile: 'RTP/AVP', lowerTransport: 'UDP', delivery: 'unicast', clientPort: [5000, 5001] },
  },
  {
    name: 'server reply with server_port and ssrc',
    wire: 'RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971;ssrc=0A1B2C3D',
    value: { profile: 'RTP/AVP', lowerTransport: 'UDP', delivery: 'unicast', clientPort: [5000, 5001], serverPort: [6970, 6971], ssrc: 0x0a1b2c3d },
  },
  {
    name: 'record over TCP',
    wire: 'RTP/AVP/TCP;unicast;interleaved=2-3;mode=record',
    value: { profile: 'RTP/AVP', lowerTransport: 'TCP', delivery: 'unicast', interleaved: [2, 3], mode: 'record' },
  },
  {
    name: 'multicast with destination, port and ttl',
    wire: 'RTP/AVP;multicast;destination=224.2.0.1;port=3456-3457;ttl=16',
    value: { profile: 'RTP/AVP', lowerTransport: 'UDP', delivery: 'multicast', destination: '224.2.0.1', port: [3456, 3457], ttl: 16 },
  },
];

/** Input we accept but never produce. */
const DECODE_ONLY: { name: string; wire: string; value: RtspTransport }[] = [
  {
    name: 'explicit RTP/AVP/UDP',
    wire: 'RTP/AVP/UDP;unicast;client_port=5000-5001',
    value: { profile: 'RTP/AVP', lowerTransport: 'UDP', delivery: 'unicast', clientPort: [5000, 5001] },
  },
  {
    name: 'ffmpeg record: mode="RECORD" quoted upper-case (RFC 2326 example form)',
    wire: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode="RECORD"',
    value: { profile: 'RTP/AVP', lowerTransport: 'TCP', delivery: 'unicast', interleaved: [0, 1], mode: 'record' },
  },
  {
    name: 'hikvision: ssrc with leading spaces',
    wire: 'RTP/AVP;unicast;client_port=5000-5001;server_port=8218-8219;ssrc=   1234ABCD;mode="play"',
    value: { profile: 'RTP/AVP', lowerTransport: 'UDP', delivery: 'unicast', clientPort: [5000, 5001], serverPort: [8218, 8219], ssrc: 0x1234abcd, mode: 'play' },
  },
  {
    name: 'camera sends ssrc with trailing spaces and fewer than 8 digits',
    wire: 'RTP/AVP;unicast;ssrc=ABCD   ',
    value: { profile: 'RTP/AVP', lowerTransport: 'UDP', delivery: 'unicast', ssrc: 0xabcd },
  },
  {
    name: 'lower-case protocol, single interleaved channel, unknown parameter',
    wire: 'rtp/avp/tcp;interleaved=4;append;x-dummy=1',
    value: { profile: 'RTP/AVP', lowerTransport: 'TCP', interleaved: [4, 5] },
  },
  {
    name: 'spaces around separators and upper-case parameter names',
    wire: ' RTP/AVP ; Unicast ; CLIENT_PORT = 7000 - 7001 ',
    value: { profile: 'RTP/AVP', lowerTransport: 'UDP', delivery: 'unicast', clientPort: [7000, 7001] },
  },
];

describe('Transport header', () => {
  for (const c of ROUND_TRIP) {
    it(`round trip: ${c.name}`, () => {
      assert.deepEqual(parseTransport(c.wire), c.value);
      assert.equal(formatTransport(c.value), c.wire);
    });
  }
  for (const c of DECODE_ONLY) {
    it(`decode: ${c.name}`, () => assert.deepEqual(parseTransport(c.wire), c.value));
  }

  it('parses comma-separated alternatives in order (VLC offers TCP and UDP)', () => {
    const ts = parseTransports('RTP/AVP/TCP;unicast;interleaved=0-1, RTP/AVP;unicast;client_port=6000-6001');
    assert.equal(ts.length, 2);
    assert.equal(ts[0]?.lowerTransport, 'TCP');
    assert.deepEqual(ts[1]?.clientPort, [6000, 6001]);
  });

  for (const bad of ['', 'RAW/RAW/UDP', 'RTP/AVP/SCTP', 'RTP/AVP;client_port=70000-70001', 'RTP/AVP;interleaved=a-b', 'RTP/AVP;ssrc=XYZ', 'RTP/AVP;mode=teleport', 'RTP/AVP;ttl=-1']) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseTransports(bad), { code: 'RTSP_TRANSPORT_INVALID' });
    });
  }
});
