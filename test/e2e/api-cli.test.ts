/**
 * The CLI client subcommands against a running API server (in-process, port 0).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerApiCommands } from '../../src/cli/commands/api-commands.ts';
import { startFixture, streamInfo, TOKEN, type Fixture } from '../unit/src/api/fixture.ts';

interface Run {
  out: string;
  err: string;
  code: number;
}

async function cli(f: Fixture, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const r: Run = { out: '', err: '', code: 0 };
  const program = new Command('cupola').exitOverride();
  registerApiCommands(program, {
    out: (t) => (r.out += t),
    err: (t) => (r.err += t),
    setExitCode: (c) => (r.code = c),
    env: { CUPOLA_API_URL: `http://127.0.0.1:${f.port}`, ...env },
  });
  await program.parseAsync(args, { from: 'user' });
  return r;
}

describe('cupola sites|cameras|streams (API client)', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture();
  });
  after(() => f.close());

  it('needs the token; takes it from --token or CUPOLA_API_TOKEN', async () => {
    const denied = await cli(f, ['sites', 'list']);
    assert.equal(denied.code, 1);
    assert.match(denied.err, /HTTP 401: missing or wrong bearer token/);
    assert.equal((await cli(f, ['sites', 'list', '--token', TOKEN])).code, 0);
    assert.equal((await cli(f, ['sites', 'list'], { CUPOLA_API_TOKEN: TOKEN })).code, 0);
  });

  it('sites: list as a table and as JSON, add, remove', async () => {
    const env = { CUPOLA_API_TOKEN: TOKEN };
    assert.equal((await cli(f, ['sites', 'list'], env)).out, 'ID     NAME\nsite1  Site 1\n');
    assert.equal((await cli(f, ['sites', 'add', 'north', '--name', 'North yard'], env)).out, 'added site north\n');
    const json = JSON.parse((await cli(f, ['sites', 'list', '--json'], env)).out) as { id: string }[];
    assert.deepEqual(json.map((s) => s.id), ['site1', 'north']);
    const dup = await cli(f, ['sites', 'add', 'north'], env);
    assert.equal(dup.code, 1);
    assert.match(dup.err, /HTTP 409/);
    assert.equal((await cli(f, ['sites', 'remove', 'north'], env)).out, 'removed site north\n');
  });

  it('cameras: add with field errors reported, list, urls, remove', async () => {
    const env = { CUPOLA_API_TOKEN: TOKEN };
    const bad = await cli(f, ['cameras', 'add', 'site1/cam9', '--profile', 'hd'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /HTTP 400: .*\n {2}profile: unknown profile "hd"/);
    assert.equal((await cli(f, ['cameras', 'add', 'site1/cam9', '--profile', 'low', '--publish-key', 'k'], env)).code, 0);
    const list = await cli(f, ['cameras', 'list', '--site', 'site1'], env);
    assert.match(list.out, /^ID +ENABLED +PROFILE +PUBLISH KEY +SOURCE\n/);
    assert.match(list.out, /site1\/cam9 +yes +low +set +-\n/);
    assert.match(list.out, /site1\/cam1 +yes +\(default\) +- +-\n/);
    const urls = await cli(f, ['cameras', 'urls', 'site1/cam1', '--advertised'], env);
    assert.match(urls.out, /site1\/cam1 +slave1 \(slave\) +rtmp:\/\/cams\.example\.org:19350\/site1\/cam1 +rtsp:\/\/cams\.example\.org:18554\/site1\/cam1/);
    f.urls.setLive('self', 'compressed', 'site1/cam1', true);
    const best = await cli(f, ['cameras', 'urls', '--best'], env);
    assert.match(best.out, /site1\/cam1 +- +rtsp:\/\/10\.0\.0\.5:8555\/site1\/cam1\n/);
    const one = JSON.parse((await cli(f, ['cameras', 'urls', 'site1/cam1', '--json'], env)).out) as { camera: string };
    assert.equal(one.camera, 'site1/cam1');
    assert.equal((await cli(f, ['cameras', 'remove', 'site1/cam9'], env)).out, 'removed camera site1/cam9\n');
    // A pulled camera: --source with credentials in the URL (stored write-only), on demand.
    const added = await cli(f, ['cameras', 'add', 'site1/ipcam', '--source', 'rtsp://admin:Pa55word@10.0.0.9/Streaming/101', '--source-transport', 'tcp', '--source-on-demand', '--json'], env);
    assert.equal(added.code, 0, added.err);
    assert.ok(!added.out.includes('Pa55word'), 'the password is not echoed');
    const pulled = JSON.parse(added.out) as Record<string, unknown>;
    assert.deepEqual([pulled['source'], pulled['sourceTransport'], pulled['sourceOnDemand'], pulled['sourceCredentialsSet']], ['rtsp://10.0.0.9/Streaming/101', 'tcp', true, true]);
    assert.match((await cli(f, ['cameras', 'list'], env)).out, /site1\/ipcam +yes +\(default\) +- +rtsp:\/\/10\.0\.0\.9\/Streaming\/101 \(on demand\)\n/);
    const badSource = await cli(f, ['cameras', 'add', 'site1/ipcam2', '--source', 'http://10.0.0.9/x'], env);
    assert.match(badSource.err, /source: scheme "http" is not pulled/);
    assert.match((await cli(f, ['cameras', 'sources'], env)).out, /^CAMERA +SOURCE +STATE/);
    const badId = await cli(f, ['cameras', 'remove', 'cam9'], env);
    assert.match(badId.err, /camera id must be "site\/name"/);
  });

  it('streams: readable table and JSON', async () => {
    f.streams.push(streamInfo('raw', 'site1/cam1', 5 * 1024 * 1024));
    try {
      const t = await cli(f, ['streams', '--token', TOKEN]);
      assert.match(t.out, /^FACTORY +PATH +CODECS +BITRATE +READERS +UPTIME +IN +OUT\n/);
      assert.match(t.out, /raw +site1\/cam1 +h264 1280x720@25, aac 48kHz +4\.0 Mbit\/s +rtsp:1 +12s +5\.0 MiB +10\.0 MiB\n/);
      const j = JSON.parse((await cli(f, ['streams', '--json', '--factory', 'raw', '--token', TOKEN])).out) as unknown[];
      assert.equal(j.length, 1);
    } finally {
      f.streams.length = 0;
    }
  });

  it('reports an unreachable server clearly', async () => {
    const r = await cli(f, ['streams', '--api', 'http://127.0.0.1:1']);
    assert.equal(r.code, 1);
    assert.match(r.err, /^error: cannot reach http:\/\/127\.0\.0\.1:1: /);
  });
});
