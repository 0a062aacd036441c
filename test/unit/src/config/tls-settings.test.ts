/**
 * TLS settings and flags (issue 14, encryption): every TLS listener off by default; a TLS port or
 * --https without a certificate and key is refused naming the field; the flags and their CUPOLA_*
 * twins land in the settings keys.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigValidationError } from '../../../../src/config/schema-kit.ts';
import { DEFAULT_SETTINGS, parseSettings, tlsWanted } from '../../../../src/config/settings.ts';
import { resolveServeOptions } from '../../../../src/cli/serve-options.ts';
import { settingsFromOptions } from '../../../../src/cli/settings-from-options.ts';

const DEFAULTS = { role: 'slave', host: '0.0.0.0', rtmpPort: '1935', rtspPort: '8554', compressedRtspPort: '8555', apiPort: '8080', dataDir: './data', logLevel: 'info' };
const TLS = { certFile: '/etc/cupola/cert.pem', keyFile: '/etc/cupola/key.pem' };

function refusal(raw: unknown): string {
  try {
    parseSettings(raw);
  } catch (err) {
    assert.ok(err instanceof ConfigValidationError, String(err));
    return err.message;
  }
  assert.fail('accepted');
}

describe('TLS settings', () => {
  it('are off by default: no TLS port, plain HTTP, polled every 2 s once a certificate is set', () => {
    assert.equal(DEFAULT_SETTINGS.factories.raw.rtmpsPort, undefined);
    assert.equal(DEFAULT_SETTINGS.factories.raw.rtspsPort, undefined);
    assert.equal(DEFAULT_SETTINGS.factories.compressed.rtspsPort, undefined);
    assert.equal(DEFAULT_SETTINGS.api.https, false);
    assert.deepEqual(DEFAULT_SETTINGS.tls, { watchIntervalMs: 2000 });
    assert.equal(tlsWanted(DEFAULT_SETTINGS), false);
  });

  it('a TLS listener without a certificate and key is refused, naming the field and what needs it', () => {
    assert.match(refusal({ factories: { raw: { rtmpsPort: 1936 } } }), /tls\.certFile.*factories\.raw\.rtmpsPort.*--tls-cert/);
    assert.match(refusal({ api: { https: true }, tls: { certFile: TLS.certFile } }), /tls\.keyFile.*api\.https/);
    assert.match(refusal({ factories: { compressed: { rtspsPort: 0 } } }), /tls\.certFile.*factories\.compressed\.rtspsPort/);
    assert.match(refusal({ tls: { keyFile: TLS.keyFile } }), /tls\.certFile.*go together/);
    const s = parseSettings({ factories: { raw: { rtmpsPort: 0, rtspsPort: 8322 } }, tls: TLS });
    assert.equal(s.factories.raw.rtmpsPort, 0);
    assert.equal(tlsWanted(s), true);
  });

  it('flags and CUPOLA_* twins: --tls-cert, --tls-key, --rtmps-port, --rtsps-port, --compressed-rtsps-port, --https', () => {
    const flags = { ...DEFAULTS, tlsCert: TLS.certFile, tlsKey: TLS.keyFile, rtmpsPort: '0', rtspsPort: '8322', https: true };
    const cli = new Set(['tlsCert', 'tlsKey', 'rtmpsPort', 'rtspsPort', 'https']);
    const fromFlags = settingsFromOptions(resolveServeOptions(flags, (k) => cli.has(k), {}), undefined, 'test');
    assert.equal(fromFlags.factories.raw.rtmpsPort, 0);
    assert.equal(fromFlags.factories.raw.rtspsPort, 8322);
    assert.equal(fromFlags.factories.compressed.rtspsPort, undefined, 'unset = off');
    assert.equal(fromFlags.api.https, true);
    assert.deepEqual(fromFlags.tls, { ...TLS, watchIntervalMs: 2000 });

    const env = { CUPOLA_TLS_CERT: TLS.certFile, CUPOLA_TLS_KEY: TLS.keyFile, CUPOLA_COMPRESSED_RTSPS_PORT: '8323', CUPOLA_HTTPS: 'true', CUPOLA_UPSTREAM: 'https://slave:8080', CUPOLA_UPSTREAM_TLS_CA: '/ca.pem', CUPOLA_ROLE: 'master' };
    const fromEnv = settingsFromOptions(resolveServeOptions(DEFAULTS, () => false, env), undefined, 'test');
    assert.equal(fromEnv.factories.compressed.rtspsPort, 8323);
    assert.equal(fromEnv.api.https, true);
    assert.equal(fromEnv.node.upstreams[0]?.tlsCaFile, '/ca.pem');
    assert.equal(fromEnv.node.upstreams[0]?.tlsInsecure, false);
    assert.equal(fromEnv.node.upstreams[0]?.apiUrl, 'https://slave:8080');

    assert.throws(() => resolveServeOptions({ ...DEFAULTS, rtmpsPort: '70000' }, (k) => k === 'rtmpsPort', {}), /--rtmps-port.*not a port/);
    const none = settingsFromOptions(resolveServeOptions(DEFAULTS, () => false, { CUPOLA_HTTPS: '0' }), undefined, 'test');
    assert.equal(none.api.https, false);
  });
});
