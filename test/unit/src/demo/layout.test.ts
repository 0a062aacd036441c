import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { ANY_PORTS, PREFERRED_PORTS, choosePorts, demoCameras, demoNodeSettings, serveArgs } from '../../../../src/demo/layout.ts';
import { addServeFlags, resolveServeOptions, type ServeOptions } from '../../../../src/cli/serve-options.ts';
import { settingsFromOptions } from '../../../../src/cli/settings-from-options.ts';
import { peerEndpoint } from '../../../../src/core/urls.ts';

function options(argv: string[] = []): ServeOptions {
  const cmd = addServeFlags(new Command('serve')).exitOverride();
  cmd.parse(argv, { from: 'user' });
  return resolveServeOptions(cmd.opts(), (key) => cmd.getOptionValueSource(key) === 'cli', {});
}

describe('demo layout', () => {
  it('names cameras site by site', () => {
    const cams = demoCameras(2, 3);
    assert.deepEqual(
      cams.map((c) => [c.index, c.path]),
      [[0, 'site1/cam1'], [1, 'site1/cam2'], [2, 'site1/cam3'], [3, 'site2/cam1'], [4, 'site2/cam2'], [5, 'site2/cam3']],
    );
    assert.equal(cams[4]!.site, 'site2');
    assert.equal(cams[4]!.name, 'cam2');
  });

  it('refuses bad counts naming the flag', () => {
    assert.throws(() => demoCameras(0, 5), /--sites/);
    assert.throws(() => demoCameras(1.5, 5), /--sites/);
    assert.throws(() => demoCameras(1, 0), /--cameras/);
    assert.throws(() => demoCameras(1, 51), /--cameras/);
    assert.throws(() => demoCameras(10, 20), /at most 100/);
    assert.equal(demoCameras(10, 10).length, 100);
  });

  it('plans the documented ports for the slave and distinct ones for the master', () => {
    assert.deepEqual(PREFERRED_PORTS.slave, { rtmp: 1935, rtsp: 8554, compressedRtsp: 8555, api: 8080 });
    const all = [...Object.values(PREFERRED_PORTS.slave), ...Object.values(PREFERRED_PORTS.master)];
    assert.equal(new Set(all).size, 8);
  });

  it('falls back to port 0 for each taken port only', () => {
    const taken = new Set([8554, 8080]);
    assert.deepEqual(choosePorts(PREFERRED_PORTS.slave, (p) => !taken.has(p)), { rtmp: 1935, rtsp: 0, compressedRtsp: 8555, api: 0 });
    assert.deepEqual(choosePorts(PREFERRED_PORTS.master, () => false), ANY_PORTS);
    assert.deepEqual(choosePorts(ANY_PORTS, () => true), ANY_PORTS);
  });

  it('builds serve flags for a slave and a master following it', () => {
    const slave = serveArgs({ role: 'slave', ports: PREFERRED_PORTS.slave, host: '127.0.0.1', dataDir: '/tmp/d/slave' });
    assert.deepEqual(slave, [
      'serve', '--role', 'slave', '--host', '127.0.0.1',
      '--rtmp-port', '1935', '--rtsp-port', '8554', '--compressed-rtsp-port', '8555', '--api-port', '8080',
      '--data-dir', '/tmp/d/slave', '--log-level', 'info',
    ]);
    const master = serveArgs({
      role: 'master', ports: ANY_PORTS, host: '0.0.0.0', advertiseHost: 'demo.local', dataDir: '/tmp/d/master',
      upstreamApi: 'http://127.0.0.1:8080', config: '/tmp/d/demo-settings.json',
    });
    assert.equal(master[master.indexOf('--config') + 1], '/tmp/d/demo-settings.json');
    assert.equal(master[master.indexOf('--role') + 1], 'master');
    assert.equal(master[master.indexOf('--upstream') + 1], 'http://127.0.0.1:8080');
    assert.equal(master[master.indexOf('--advertise-host') + 1], 'demo.local');
    assert.equal(master[master.indexOf('--api-port') + 1], '0');
  });

  it('names the nodes after their roles; the slave knows its master, the master follows the slave (issue 16.7)', () => {
    const slave = settingsFromOptions(options(), demoNodeSettings('slave', { host: '127.0.0.1', apiUrl: 'http://127.0.0.1:8081' }), 'slave.json');
    assert.equal(slave.node.name, 'slave');
    assert.equal(peerEndpoint(slave)?.name, 'master');
    assert.equal(peerEndpoint(slave)?.role, 'master');
    const master = settingsFromOptions(options(['--role', 'master']), demoNodeSettings('master', { host: '127.0.0.1', apiUrl: 'http://127.0.0.1:8080' }), 'master.json');
    assert.equal(master.node.name, 'master');
    assert.equal(master.node.upstreams[0]?.apiUrl, 'http://127.0.0.1:8080');
    assert.equal(peerEndpoint(master)?.name, 'slave');
  });
});
