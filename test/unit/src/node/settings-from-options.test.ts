/**
 * Issue 16.2: `cupola serve` options resolve as documented — flag > CUPOLA_* environment > settings
 * file > default — for the role too, and every layer is validated. Parsed through commander with the
 * real flag table, so a flag whose value commander files under another name is caught.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { addServeFlags, resolveServeOptions, type ServeOptions } from '../../../../src/cli/serve-options.ts';
import { settingsFromOptions } from '../../../../src/node/settings-from-options.ts';
import { peerEndpoint } from '../../../../src/api/urls.ts';
import type { Settings } from '../../../../src/config/settings.ts';

function options(argv: string[], env: NodeJS.ProcessEnv = {}): ServeOptions {
  const cmd = addServeFlags(new Command('serve')).exitOverride();
  cmd.parse(argv, { from: 'user' });
  return resolveServeOptions(cmd.opts(), (key) => cmd.getOptionValueSource(key) === 'cli', env);
}

function settings(argv: string[], env: NodeJS.ProcessEnv = {}, file?: unknown): Settings {
  return settingsFromOptions(options(argv, env), file, 'node.json');
}

describe('serve options -> settings', () => {
  it('takes the role from the settings file when no flag or variable names one', () => {
    assert.equal(settings([], {}, { node: { role: 'master' } }).node.role, 'master');
    assert.equal(settings([], {}, undefined).node.role, 'slave');
  });

  it('flag beats environment beats file for the role', () => {
    const file = { node: { role: 'master' } };
    assert.equal(settings([], { CUPOLA_ROLE: 'compressor' }, file).node.role, 'compressor');
    assert.equal(settings(['--role', 'slave'], { CUPOLA_ROLE: 'compressor' }, file).node.role, 'slave');
  });

  it('refuses an invalid role in the file, naming the field and the file', () => {
    assert.throws(() => settings([], {}, { node: { role: 'boss' } }), /node\.json: .*node\.role: unknown role "boss"/);
  });

  it('refuses a bad role flag or variable in one line', () => {
    assert.throws(() => options(['--role', 'mastr']), /^Error: --role: "mastr" is not one of slave, master, compressor$/);
    assert.throws(() => options([], { CUPOLA_ROLE: 'bogus' }), /--role: "bogus" is not one of/);
  });

  it('applies and validates --failover-after and CUPOLA_FAILOVER_AFTER', () => {
    assert.equal(settings(['--failover-after', '2500']).replication.failoverAfterMs, 2500);
    assert.equal(settings([], { CUPOLA_FAILOVER_AFTER: '3000' }).replication.failoverAfterMs, 3000);
    assert.equal(settings([], {}, { replication: { failoverAfterMs: 4000 } }).replication.failoverAfterMs, 4000);
    assert.equal(settings(['--failover-after', '2500'], { CUPOLA_FAILOVER_AFTER: '3000' }, { replication: { failoverAfterMs: 4000 } }).replication.failoverAfterMs, 2500);
    assert.equal(settings([]).replication.failoverAfterMs, 10_000);
    assert.throws(() => options(['--failover-after', 'soon']), /--failover-after \/ CUPOLA_FAILOVER_AFTER: "soon" is not a duration/);
    assert.throws(() => options([], { CUPOLA_FAILOVER_AFTER: '-5' }), /"-5" is not a duration/);
  });

  it('ports: flag > environment > file > default', () => {
    const file = { factories: { raw: { rtmpPort: 2000 } } };
    assert.equal(settings([], {}, file).factories.raw.rtmpPort, 2000);
    assert.equal(settings([], { CUPOLA_RTMP_PORT: '3000' }, file).factories.raw.rtmpPort, 3000);
    assert.equal(settings(['--rtmp-port', '4000'], { CUPOLA_RTMP_PORT: '3000' }, file).factories.raw.rtmpPort, 4000);
    assert.equal(settings([]).factories.raw.rtmpPort, 1935);
  });

  it("gives a --peer the role opposite to this node's final role, file role included", () => {
    const master = settings(['--peer', 'http://10.0.0.5:8080'], {}, { node: { role: 'master' } });
    assert.equal(peerEndpoint(master)?.role, 'slave');
    const slave = settings(['--peer', 'http://10.0.0.6:8080']);
    assert.equal(peerEndpoint(slave)?.role, 'master');
  });
});
