/**
 * External authentication (issue 14) on a real `cupola serve`: every protocol (RTMP publish and
 * play, RTSP read, the API) refused and allowed through auth.method http (a real local auth service)
 * and jwt (keys made at test time, served as a JWKS), driven by the bundled ffmpeg; the auth service
 * slow (past the timeout) and down: new clients are refused (fail closed) while an
 * already-authorised reader keeps receiving frames; a token whose path claim does not match.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { signJwt, startAuthService, startJwksServer, type AccessBody } from '../helpers/auth-service.ts';
import { killAllFfmpeg, parseFfmpegOutput, readWithFfmpeg, runFfmpeg, syntheticCameraArgs, waitExit } from '../helpers/ffmpeg.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  await killAllFfmpeg();
  await stopAllServers();
  for (const c of closers) await c();
});

const API_TOKEN = 'operator-api-token';
const TCP = ['-rtsp_transport', 'tcp'];

async function live(server: ServerProcess, path: string, authorization: string): Promise<void> {
  await waitFor(async () => {
    const r = await fetch(server.apiUrl('/api/v1/streams?factory=raw'), { headers: { authorization } });
    const { items } = (await r.json()) as { items: { path: string; live?: boolean }[] };
    return items.some((s) => s.path === path);
  }, 30_000, `${path} live`);
}

/** A publish ffmpeg that must be refused: it exits on its own (the server closes it). */
async function refusedPublish(url: string): Promise<string> {
  const run = runFfmpeg(['-loglevel', 'info', ...syntheticCameraArgs(url, { seconds: 20, audio: false })]);
  const exit = await waitExit(run, 20_000);
  assert.notEqual(exit.code, 0, 'a refused publisher does not end cleanly');
  return run.stderr();
}

function settingsFile(settings: object): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cupola-extauth-')), 'settings.json');
  writeFileSync(file, JSON.stringify(settings));
  return file;
}

describe('auth.method http: the operator auth service decides', { timeout: 240_000 }, () => {
  it('refuses and allows RTMP publish/play, RTSP read and the API; fails closed when the service is slow or down without blocking a reader', async () => {
    const decide = (b: AccessBody): number => {
      if (b.action === 'publish') return b.user === 'cam' && b.password === 'cam-pw' && b.path.startsWith('site1/') ? 204 : 401;
      if (b.action === 'read') return b.user === 'viewer' && b.password === 'view-pw' ? (b.path === 'site1/cam1' ? 200 : 403) : b.user === 'late' && b.password === 'late-pw' ? 200 : 401;
      return b.token === API_TOKEN ? 200 : 401;
    };
    const service = await startAuthService(decide);
    closers.push(() => service.close());
    // cacheMs 0: every new client asks the service (so the slow and down phases are visible).
    const config = settingsFile({ auth: { http: { timeoutMs: 1000, cacheMs: 0 } } });
    const server = await startServer({ args: ['--no-compress', '--config', config, '--auth-http-url', service.url] });
    const bearer = `Bearer ${API_TOKEN}`;

    // API: 401 without or with a wrong token, 200 with the one the service accepts.
    assert.equal((await fetch(server.apiUrl('/api/v1/streams'))).status, 401);
    assert.equal((await fetch(server.apiUrl('/api/v1/streams'), { headers: { authorization: 'Bearer nope-nope' } })).status, 401);
    assert.equal((await fetch(server.apiUrl('/api/v1/streams'), { headers: { authorization: bearer } })).status, 200);
    const apiAsk = service.requests.find((r) => r.action === 'api' && r.token === API_TOKEN)!;
    assert.deepEqual({ protocol: apiAsk.protocol, path: apiAsk.path, ip: apiAsk.ip }, { protocol: 'http', path: '/api/v1/streams', ip: '127.0.0.1' });

    // RTMP publish: refused without credentials (NetStream.Publish.BadName, closed), allowed with them.
    const refused = await refusedPublish(server.rtmpUrl('site1/cam1'));
    assert.match(server.logs(), /RTMP publish refused by the access check/);
    assert.doesNotMatch(refused, /frame=\s*[1-9]\d{2,}/, 'the refused publisher did not stream');
    runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(`${server.rtmpUrl('site1/cam1')}?user=cam&pass=cam-pw`, { gop: 25 })]);
    await live(server, 'site1/cam1', bearer);
    const pubAsk = service.requests.find((r) => r.action === 'publish' && r.user === 'cam')!;
    assert.deepEqual({ protocol: pubAsk.protocol, path: pubAsk.path, password: pubAsk.password }, { protocol: 'rtmp', path: 'site1/cam1', password: 'cam-pw' });
    assert.match(pubAsk.query, /user=cam/);

    // RTSP publish (ANNOUNCE/RECORD to Factory 1): refused without credentials, allowed with Basic cam:cam-pw.
    const rtspPushRefused = runFfmpeg(['-loglevel', 'info', ...syntheticCameraArgs(server.rtspUrl('site1/cam2'), { seconds: 20, audio: false, format: 'rtsp' })]);
    assert.notEqual((await waitExit(rtspPushRefused, 20_000)).code, 0);
    assert.match(rtspPushRefused.stderr(), /401|Unauthorized/i, rtspPushRefused.stderr().slice(-600));
    runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(server.rtspUrl('site1/cam2').replace('rtsp://', 'rtsp://cam:cam-pw@'), { gop: 25, audio: false, format: 'rtsp' })]);
    await live(server, 'site1/cam2', bearer);
    assert.ok(service.requests.some((r) => r.action === 'publish' && r.protocol === 'rtsp' && r.path === 'site1/cam2' && r.user === 'cam'));

    // The node's own reader (the dashboard thumbnail grabs Factory 1 over RTSP) is not sent to the service.
    const thumb = await waitFor(async () => {
      const r = await fetch(server.apiUrl('/api/v1/cameras/site1/cam1/snapshot.jpg'), { headers: { authorization: bearer } });
      return r.status === 200 ? Buffer.from(await r.arrayBuffer()) : undefined;
    }, 30_000, 'a thumbnail through the protected Factory 1');
    assert.deepEqual([...thumb.subarray(0, 2)], [0xff, 0xd8], 'a JPEG');
    assert.ok(!service.requests.some((r) => r.user === 'cupola-internal'), 'the internal reader never asked the service');

    // RTMP play: refused without, plays with ?user=&pass=.
    const rtmpAnon = await readWithFfmpeg(server.rtmpUrl('site1/cam1'), { frames: 5, timeoutMs: 15_000 });
    assert.equal(rtmpAnon.videoFrames, 0);
    assert.match(rtmpAnon.stderr, /Unauthorized|Play\.Failed/i, rtmpAnon.stderr.slice(-600));
    const rtmpOk = await readWithFfmpeg(`${server.rtmpUrl('site1/cam1')}?user=viewer&pass=view-pw`, { frames: 5, timeoutMs: 15_000 });
    assert.ok(rtmpOk.videoFrames >= 5, rtmpOk.stderr.slice(-1000));

    // RTSP: 401 (Basic challenge) without credentials, 403 for a path the service refuses, frames with Basic user:pass.
    const rtspAnon = await readWithFfmpeg(server.rtspUrl('site1/cam1'), { frames: 5, timeoutMs: 15_000, inputArgs: TCP });
    assert.equal(rtspAnon.videoFrames, 0);
    assert.match(rtspAnon.stderr, /401|Unauthorized/i);
    const rtspOther = await readWithFfmpeg(server.rtspUrl('site1/cam2').replace('rtsp://', 'rtsp://viewer:view-pw@'), { frames: 5, timeoutMs: 15_000, inputArgs: TCP });
    assert.match(rtspOther.stderr, /403|Forbidden/i, rtspOther.stderr.slice(-600));
    const rtspOk = await readWithFfmpeg(server.rtspUrl('site1/cam1').replace('rtsp://', 'rtsp://viewer:view-pw@'), { frames: 5, timeoutMs: 15_000, inputArgs: TCP });
    assert.ok(rtspOk.videoFrames >= 5, rtspOk.stderr.slice(-1000));
    const rtspAsk = service.requests.find((r) => r.protocol === 'rtsp' && r.user === 'viewer' && r.path === 'site1/cam1')!;
    assert.equal(rtspAsk.password, 'view-pw', 'Basic gives the service the password');
    assert.ok(!server.logs().includes('view-pw') && !server.logs().includes('cam-pw'), 'no password in the logs');

    // An authorised reader that keeps reading while the service turns slow, then goes down.
    const reader = runFfmpeg(['-loglevel', 'info', '-progress', 'pipe:2', ...TCP, '-i', server.rtspUrl('site1/cam1').replace('rtsp://', 'rtsp://viewer:view-pw@'), '-map', '0:v:0', '-f', 'null', '-']);
    const frames = (): number => parseFfmpegOutput(reader.stderr()).videoFrames;
    await waitFor(() => frames() > 10, 20_000, 'the reader receiving frames');

    service.delayMs = 5000;
    const before = frames();
    const startedSlow = Date.now();
    const slowRead = readWithFfmpeg(server.rtspUrl('site1/cam1').replace('rtsp://', 'rtsp://late:late-pw@'), { frames: 5, timeoutMs: 15_000, inputArgs: TCP });
    const asked = service.requests.length;
    await waitFor(() => service.requests.slice(asked).some((r) => r.protocol === 'rtsp'), 10_000, 'the slow check in progress');
    // While it waits, the node answers others at once.
    const t0 = Date.now();
    assert.equal((await fetch(server.apiUrl('/healthz'))).status, 200);
    assert.ok(Date.now() - t0 < 500, `/healthz took ${Date.now() - t0} ms while an access check waited`);
    const slow = await slowRead;
    assert.equal(slow.videoFrames, 0, 'a slow auth service refuses (fail closed)');
    assert.match(slow.stderr, /403|Forbidden/i, slow.stderr.slice(-600));
    assert.ok(Date.now() - startedSlow >= 900, 'refused at the 1 s timeout');
    assert.ok(Date.now() - startedSlow < 4500, 'refused at the timeout, not when the service finally answered');
    assert.ok(frames() - before >= 10, `the authorised reader got ${frames() - before} frames while the check waited (>= 1 s)`);
    const slowApi = await fetch(server.apiUrl('/api/v1/streams'), { headers: { authorization: bearer } });
    assert.equal(slowApi.status, 403, 'the API fails closed too');
    const slowRtmp = await readWithFfmpeg(`${server.rtmpUrl('site1/cam1')}?user=late&pass=late-pw`, { frames: 5, timeoutMs: 15_000 });
    assert.equal(slowRtmp.videoFrames, 0);
    await waitFor(() => frames() >= before + 25, 15_000, 'the authorised reader still receiving frames while the service is slow');
    assert.match(server.logs(), /auth service unavailable: access refused/);

    await service.close();
    const downBefore = frames();
    const down = await readWithFfmpeg(server.rtspUrl('site1/cam1').replace('rtsp://', 'rtsp://late:late-pw@'), { frames: 5, timeoutMs: 15_000, inputArgs: TCP });
    assert.equal(down.videoFrames, 0, 'the service down refuses');
    assert.match(down.stderr, /403|Forbidden/i);
    await waitFor(() => frames() >= downBefore + 25, 15_000, 'the authorised reader still receiving frames while the service is down');
    await reader.stop();
  });
});

describe('auth.method jwt: tokens signed by the operator identity provider', { timeout: 240_000 }, () => {
  it('refuses and allows every protocol by the token permissions; a path claim that does not match is refused', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwks = await startJwksServer(() => [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'ES256' }]);
    closers.push(() => jwks.close());
    const exp = Math.floor(Date.now() / 1000) + 600;
    const token = (perms: object[]): string => signJwt({ sub: 'tester', exp, cupola_permissions: perms }, 'ES256', privateKey, 'k1');
    const publish = token([{ action: 'publish', path: 'site1/*' }]);
    const read = token([{ action: 'read', path: 'site1/cam1' }]);
    const otherSite = token([{ action: 'read', path: 'site2/*' }]);
    const api = token([{ action: 'api' }]);
    const server = await startServer({ args: ['--no-compress', '--auth-jwks-url', jwks.url] });

    // API: bearer JWT with the api permission; a read-only token is 403; none 401.
    assert.equal((await fetch(server.apiUrl('/api/v1/streams'))).status, 401);
    assert.equal((await fetch(server.apiUrl('/api/v1/streams'), { headers: { authorization: `Bearer ${read}` } })).status, 403);
    assert.equal((await fetch(server.apiUrl('/api/v1/streams'), { headers: { authorization: `Bearer ${api}` } })).status, 200);

    // RTMP publish: a read token is refused; ?token= with the publish permission streams.
    await refusedPublish(`${server.rtmpUrl('site1/cam1')}?token=${read}`);
    runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(`${server.rtmpUrl('site1/cam1')}?token=${publish}`, { gop: 25 })]);
    await live(server, 'site1/cam1', `Bearer ${api}`);

    // RTMP play: the token as ?token= or as the pass.
    const rtmpWrongPath = await readWithFfmpeg(`${server.rtmpUrl('site1/cam1')}?token=${otherSite}`, { frames: 5, timeoutMs: 15_000 });
    assert.equal(rtmpWrongPath.videoFrames, 0, 'a site2 token does not read site1');
    const rtmpOk = await readWithFfmpeg(`${server.rtmpUrl('site1/cam1')}?user=x&pass=${read}`, { frames: 5, timeoutMs: 15_000 });
    assert.ok(rtmpOk.videoFrames >= 5, rtmpOk.stderr.slice(-1000));

    // RTSP: the token as ?token= in the URL (ffmpeg cuts URL user info at 127 characters, too short
    // for a JWT as the Basic password: that form is covered by the unit tests); a path claim mismatch is 403.
    const rtspMismatch = await readWithFfmpeg(`${server.rtspUrl('site1/cam1')}?token=${otherSite}`, { frames: 5, timeoutMs: 15_000, inputArgs: TCP });
    assert.equal(rtspMismatch.videoFrames, 0);
    assert.match(rtspMismatch.stderr, /403|Forbidden/i, rtspMismatch.stderr.slice(-600));
    assert.match(server.logs(), /JWT lacks the permission/);
    const rtspQuery = await readWithFfmpeg(`${server.rtspUrl('site1/cam1')}?token=${read}`, { frames: 5, timeoutMs: 15_000, inputArgs: TCP });
    assert.ok(rtspQuery.videoFrames >= 5, rtspQuery.stderr.slice(-1000));
    const rtspAnon = await readWithFfmpeg(server.rtspUrl('site1/cam1'), { frames: 5, timeoutMs: 15_000, inputArgs: TCP });
    assert.match(rtspAnon.stderr, /401|Unauthorized/i);
    assert.ok(!server.logs().includes(read), 'no token in the logs');
  });
});

describe('auth.ipDeny with the internal method', { timeout: 60_000 }, () => {
  it('refuses a listed address on the API (403), RTSP (403) and RTMP play before any credentials; /healthz is not concerned', async () => {
    const config = settingsFile({ auth: { ipDeny: { api: ['127.0.0.0/8'], read: ['127.0.0.1'] } } });
    const server = await startServer({ args: ['--no-compress', '--config', config] });
    assert.equal((await fetch(server.apiUrl('/api/v1/streams'))).status, 403);
    assert.equal((await fetch(server.apiUrl('/healthz'))).status, 200, '/healthz is not behind the API check');
    const rtsp = await readWithFfmpeg(server.rtspUrl('site1/cam1'), { frames: 1, timeoutMs: 10_000, inputArgs: TCP });
    assert.match(rtsp.stderr, /403|Forbidden/i, rtsp.stderr.slice(-600));
    const rtmp = await readWithFfmpeg(server.rtmpUrl('site1/cam1'), { frames: 1, timeoutMs: 10_000 });
    assert.match(rtmp.stderr, /Unauthorized|Play\.Failed/i, rtmp.stderr.slice(-600));
    assert.match(server.logs(), /access refused by IP list/);
  });
});
