/**
 * Issue 16.2: `cupola serve` options resolve as documented — flag > CUPOLA_* environment > settings
 * file > default — for the role too, and every layer is validated. Parsed through commander with the
 * real flag table, so a flag whose value commander files under another name is caught.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { addServeFlags, resolveServeOptions, SERVE_FLAGS, type ServeOptions } from '../../../../src/cli/serve-options.ts';
import { settingsFromOptions } from '../../../../src/cli/settings-from-options.ts';
import { primaryAddress, thisMachine, type MachineInfo } from '../../../../src/config/internal-host.ts';
import { peerEndpoint, selfEndpoint } from '../../../../src/core/urls.ts';
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

describe('internal host (issue 16.3)', () => {
  const lan: MachineInfo = {
    hostname: 'cam-server',
    interfaces: {
      lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
      eth0: [
        { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: 'fe80::1/64', scopeid: 2 },
        { address: '10.1.2.3', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '10.1.2.3/24' },
      ],
    },
  };
  const loopbackOnly: MachineInfo = { hostname: 'lonely', interfaces: { lo: lan.interfaces.lo } };
  const at = (argv: string[], file?: unknown, m: MachineInfo = lan): Settings => settingsFromOptions(options(argv), file, 'node.json', m);

  it('uses the primary non-loopback IPv4 on a wildcard bind, in the URLs handed out', () => {
    assert.equal(at([]).node.host, '10.1.2.3');
    assert.equal(at(['--host', '0.0.0.0']).node.host, '10.1.2.3');
    assert.equal(at(['--host', '::']).node.host, '10.1.2.3');
    assert.equal(selfEndpoint(at([])).host, '10.1.2.3');
    assert.equal(primaryAddress(loopbackOnly), 'lonely');
  });

  it('a specific bind address, or node.host in the file, wins', () => {
    assert.equal(at(['--host', '192.168.1.9']).node.host, '192.168.1.9');
    assert.equal(at([], { node: { bindHost: '192.168.1.7' } }).node.host, '192.168.1.7');
    assert.equal(at([], { node: { host: 'cams.lan' } }).node.host, 'cams.lan');
    assert.equal(at(['--host', '0.0.0.0'], { node: { host: 'cams.lan' } }).node.host, 'cams.lan');
  });

  it('finds an address on this machine that is not loopback when it has one', () => {
    const here = thisMachine();
    const hasLan = Object.values(here.interfaces).flat().some((a) => a && !a.internal && a.family === 'IPv4');
    if (hasLan) assert.doesNotMatch(primaryAddress(here), /^127\./);
    else assert.equal(primaryAddress(here), here.hostname || '127.0.0.1');
  });

  it('says in --advertise-host help what its default really is', () => {
    const flag = SERVE_FLAGS.find((f) => f.flags.startsWith('--advertise-host'))!;
    assert.match(flag.description, /default: none, no advertised URLs/);
    assert.equal(at([]).node.advertisedHost, undefined);
  });
});
