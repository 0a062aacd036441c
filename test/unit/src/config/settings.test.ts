import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SETTINGS, mergeRaw, parseSettings } from '../../../../src/config/settings.ts';

describe('settings', () => {
  it('defaults: slave role, standard ports, auto-registration computed (unset), capped at 64', () => {
    assert.equal(DEFAULT_SETTINGS.node.role, 'slave');
    assert.equal(DEFAULT_SETTINGS.factories.raw.rtmpPort, 1935);
    assert.equal(DEFAULT_SETTINGS.factories.raw.rtspPort, 8554);
    assert.equal(DEFAULT_SETTINGS.factories.compressed.rtspPort, 8555);
    assert.equal(DEFAULT_SETTINGS.api.port, 8080);
    assert.equal(DEFAULT_SETTINGS.cameras.autoRegister, undefined, 'computed from the catalog and factory auth (autoRegisterDefault)');
    assert.equal(DEFAULT_SETTINGS.cameras.autoRegisterMax, 64);
    assert.equal(DEFAULT_SETTINGS.cameras.alwaysAvailable, false, 'offline cameras: grace period, no placeholder');
    assert.equal(DEFAULT_SETTINGS.cameras.placeholderFontFile, '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf');
    assert.equal(DEFAULT_SETTINGS.compression.maxWorkers, undefined, 'the CPU count, resolved at start');
    assert.equal(DEFAULT_SETTINGS.compression.defaultProfile, 'default');
    assert.ok(Object.isFrozen(DEFAULT_SETTINGS.node));
  });

  it('layers merge deeply (file, env, flags) and validate once', () => {
    const s = parseSettings(
      mergeRaw(
        { node: { role: 'master', publicPorts: { rtmp: 19350 } }, factories: { raw: { auth: { read: { user: 'u', pass: 'p' } } } } },
        { node: { advertisedHost: 'cams.example.org' } },
        { api: { port: 0 }, node: { role: undefined } },
      ),
    );
    assert.equal(s.node.role, 'master');
    assert.equal(s.node.advertisedHost, 'cams.example.org');
    assert.deepEqual(s.node.publicPorts, { rtmp: 19350 });
    assert.deepEqual(s.factories.raw.auth.read, { user: 'u', pass: 'p', method: 'digest' });
    assert.equal(s.api.port, 0);
  });

  it('replication and limits sections: defaults, overrides, field-named errors', () => {
    assert.deepEqual(DEFAULT_SETTINGS.replication, { stallMs: 5000, connectTimeoutMs: 5000, backoffInitialMs: 500, backoffMaxMs: 10_000, pollIntervalMs: 1000, failoverAfterMs: 10_000 });
    assert.equal(DEFAULT_SETTINGS.limits.rtspSessionTimeoutSec, 60);
    assert.equal(DEFAULT_SETTINGS.limits.rtspDigestNonceLifetimeSec, 60);
    assert.equal(DEFAULT_SETTINGS.limits.rtmpHandshakeTimeoutMs, 10_000);
    assert.equal(DEFAULT_SETTINGS.limits.maxConnections, 4096);
    const s = parseSettings({ replication: { failoverAfterMs: 2000 }, limits: { rtspSessionTimeoutSec: 7 } });
    assert.equal(s.replication.failoverAfterMs, 2000);
    assert.equal(s.replication.stallMs, 5000);
    assert.equal(s.limits.rtspSessionTimeoutSec, 7);
    assert.throws(() => parseSettings({ limits: { rtpMtu: 10 }, replication: { stallMs: 'soon' } }), (err: unknown) => {
      assert.match((err as Error).message, /limits\.rtpMtu: must be >= 200, got 10/);
      assert.match((err as Error).message, /replication\.stallMs: /);
      return true;
    });
  });

  it('api.metricsAuth: none by default, token needs a token, metricsToken needs metricsAuth token; old booleans read', () => {
    assert.equal(DEFAULT_SETTINGS.api.metricsAuth, 'none');
    assert.equal(DEFAULT_SETTINGS.api.metricsToken, undefined);
    assert.equal(parseSettings({ api: { metricsAuth: 'token', token: 'api-token-123' } }).api.metricsAuth, 'token');
    assert.equal(parseSettings({ api: { metricsAuth: 'token', metricsToken: 'scrape-token-1' } }).api.metricsToken, 'scrape-token-1');
    assert.equal(parseSettings({ api: { metricsAuth: true, token: 'api-token-123' } }).api.metricsAuth, 'token');
    assert.equal(parseSettings({ api: { metricsAuth: false } }).api.metricsAuth, 'none');
    assert.throws(() => parseSettings({ api: { metricsAuth: 'token' } }), /api\.metricsAuth: "token" needs api\.token or api\.metricsToken/);
    assert.throws(() => parseSettings({ api: { metricsToken: 'scrape-token-1' } }), /api\.metricsToken: is set but metricsAuth is "none"/);
    assert.throws(() => parseSettings({ api: { metricsAuth: 'basic' } }), /api\.metricsAuth: unknown metrics auth mode "basic"/);
    assert.throws(() => parseSettings({ api: { metricsAuth: 'token', metricsToken: 'short' } }), /api\.metricsToken: must be at least 8 characters/);
  });

  it('names every bad field', () => {
    assert.throws(
      () => parseSettings({ node: { role: 'boss', upstreams: [{ host: 'bad host' }] }, factories: { raw: { rtmpPort: 70000 } }, api: { token: 'short' } }, '--config x.json'),
      (err: unknown) => {
        const msg = (err as Error).message;
        assert.match(msg, /^--config x\.json: /);
        assert.match(msg, /node\.role: unknown role "boss"/);
        assert.match(msg, /node\.upstreams\[0\]\.host: invalid value "bad host"/);
        assert.match(msg, /factories\.raw\.rtmpPort: must be <= 65535, got 70000/);
        assert.match(msg, /api\.token: must be at least 8 characters/);
        return true;
      },
    );
  });
});
