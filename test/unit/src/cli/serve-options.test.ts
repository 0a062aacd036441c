/**
 * `cupola serve` options: flags through commander into ServeOptions. Every flag given on the
 * command line reaches its option (commander names `--failover-after` `failoverAfter`, the option
 * is `failoverAfterMs`: the flag was silently ignored and the 10 s default used).
 */
import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { Command } from 'commander';
import { addServeFlags, resolveServeOptions, type ServeOptions } from '../../../../src/cli/serve-options.ts';

const DEFAULTS = { role: 'slave', host: '0.0.0.0', rtmpPort: '1935', rtspPort: '8554', compressedRtspPort: '8555', apiPort: '8080', dataDir: './data', logLevel: 'info' };

describe('serve options: --reset-catalog', () => {
  it('off by default; on from the flag or CUPOLA_RESET_CATALOG=1|true|yes', () => {
    assert.equal(resolveServeOptions(DEFAULTS, () => false, {}).resetCatalog, false);
    assert.equal(resolveServeOptions({ ...DEFAULTS, resetCatalog: true }, (k) => k === 'resetCatalog', {}).resetCatalog, true);
    for (const v of ['1', 'true', 'YES']) assert.equal(resolveServeOptions(DEFAULTS, () => false, { CUPOLA_RESET_CATALOG: v }).resetCatalog, true, v);
    for (const v of ['', '0', 'no']) assert.equal(resolveServeOptions(DEFAULTS, () => false, { CUPOLA_RESET_CATALOG: v }).resetCatalog, false, v);
  });
});

function parse(argv: string[], env: NodeJS.ProcessEnv = {}): ServeOptions {
  let out: ServeOptions | undefined;
  const program = new Command().exitOverride();
  addServeFlags(program.command('serve')).action((flags: Record<string, unknown>, cmd: Command) => {
    out = resolveServeOptions(flags, (key) => cmd.getOptionValueSource(key) === 'cli', env);
  });
  program.parse(['node', 'cupola', 'serve', ...argv]);
  assert.ok(out);
  return out;
}

test('--failover-after on the command line sets failoverAfterMs and counts as explicit', () => {
  const o = parse(['--role', 'master', '--failover-after', '2500']);
  assert.equal(o.failoverAfterMs, 2500);
  assert.ok(o.explicit.has('failoverAfterMs'));
});

test('CUPOLA_FAILOVER_AFTER still applies when the flag is absent; the flag wins over it', () => {
  assert.equal(parse(['--role', 'master'], { CUPOLA_FAILOVER_AFTER: '7000' }).failoverAfterMs, 7000);
  assert.equal(parse(['--role', 'master', '--failover-after', '3000'], { CUPOLA_FAILOVER_AFTER: '7000' }).failoverAfterMs, 3000);
  assert.equal(parse(['--role', 'master']).failoverAfterMs, undefined);
});

test('the other valued flags reach their options', () => {
  const o = parse(['--advertise-host', 'cams.example', '--compressed-rtsp-port', '9555', '--data-dir', '/tmp/x', '--api-token', 't', '--log-level', 'warn', '--upstream', 'http://a:1']);
  assert.deepEqual([o.advertiseHost, o.compressedRtspPort, o.dataDir, o.apiToken, o.logLevel, o.upstream], ['cams.example', 9555, '/tmp/x', 't', 'warn', ['http://a:1']]);
});
