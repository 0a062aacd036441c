import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiEvent, EventBody } from '../../../../src/core/events.ts';
import type { CameraUrls } from '../../../../src/core/urls.ts';
import { ConfigValidationError } from '../../../../src/config/schema-kit.ts';
import { parseSettings, type HookSettings } from '../../../../src/config/settings.ts';
import { hookEnv, hookTriggerOf, matchingHooks, pathMatches } from '../../../../src/hooks/hook-trigger.ts';

const ev = (body: EventBody, seq = 7): ApiEvent => ({ ...body, seq, time: '2026-12-03T10:00:00.000Z' }) as ApiEvent;
const hooks = (list: unknown[]): readonly HookSettings[] => parseSettings({ hooks: list }).hooks;

describe('hook settings', () => {
  it('defaults: none; restart on, 5 s kill grace, 60 s one-shot timeout', () => {
    assert.deepEqual(parseSettings({}).hooks, []);
    const [h] = hooks([{ name: 'rec', on: 'stream.ready', command: ['rec', '--out', '/x'] }]);
    assert.deepEqual(h, { name: 'rec', on: 'stream.ready', command: ['rec', '--out', '/x'], restart: true, killGraceMs: 5000, timeoutMs: 60_000, backoffInitialMs: 1000, backoffMaxMs: 30_000 });
  });

  it('refuses an empty command, an unknown event, a duplicate name and a too-long argv, naming the field', () => {
    const bad = (list: unknown[], re: RegExp): void => {
      assert.throws(() => parseSettings({ hooks: list }), (e: unknown) => e instanceof ConfigValidationError && re.test(e.message));
    };
    bad([{ name: 'a', on: 'stream.ready', command: [] }], /hooks\[0\]\.command/);
    bad([{ name: 'a', on: 'stream.up', command: ['x'] }], /hooks\[0\]\.on.*stream\.ready/);
    bad([{ name: 'a', on: 'stream.ready', command: ['x'] }, { name: 'a', on: 'stream.notReady', command: ['y'] }], /hooks\[1\]\.name.*twice/);
    bad([{ name: 'a', on: 'stream.ready', command: Array.from({ length: 257 }, () => 'x') }], /hooks\[0\]\.command.*at most 256/);
    bad([{ name: 'a', on: 'stream.ready', command: [''] }], /hooks\[0\]\.command\[0\]/);
  });
});

describe('hookTriggerOf', () => {
  it('maps bus events to hook events', () => {
    const stream = { path: 'site1/cam1', factory: 'raw' } as never;
    assert.equal(hookTriggerOf(ev({ type: 'stream.up', stream }))?.on, 'stream.ready');
    const up = hookTriggerOf(ev({ type: 'stream.up', stream: { path: 'site1/cam1', factory: 'raw', publisher: { kind: 'rtsp', remote: '10.0.0.3' }, video: { codec: 'h265' } } as never }));
    assert.equal(up?.vars['CUPOLA_PUBLISHER_KIND'], 'rtsp');
    assert.equal(up?.vars['CUPOLA_PUBLISHER_REMOTE'], '10.0.0.3');
    assert.equal(up?.vars['CUPOLA_VIDEO_CODEC'], 'h265');
    assert.equal('CUPOLA_AUDIO_CODEC' in (up?.vars ?? {}), false);
    assert.deepEqual(hookTriggerOf(ev({ type: 'stream.down', factory: 'compressed', path: 'site1/cam1' })), {
      on: 'stream.notReady',
      path: 'site1/cam1',
      factory: 'compressed',
      vars: { CUPOLA_EVENT_TIME: '2026-12-03T10:00:00.000Z', CUPOLA_EVENT_SEQ: '7' },
    });
    const reader = hookTriggerOf(ev({ type: 'reader.connect', factory: 'raw', path: 'site1/cam1', protocol: 'rtsp', remote: '10.0.0.9:5000' }));
    assert.equal(reader?.on, 'reader.connect');
    assert.equal(reader?.vars['CUPOLA_READER_PROTOCOL'], 'rtsp');
    assert.equal(reader?.vars['CUPOLA_READER_REMOTE'], '10.0.0.9:5000');
    const comp = hookTriggerOf(ev({ type: 'compression.state', camera: 'site1/cam1', state: 'backoff', profile: 'default', detail: 'ffmpeg exited' }));
    assert.equal(comp?.factory, 'compressed');
    assert.equal(comp?.vars['CUPOLA_COMPRESSION_STATE'], 'backoff');
    assert.equal(comp?.vars['CUPOLA_DETAIL'], 'ffmpeg exited');
    assert.equal(hookTriggerOf(ev({ type: 'replication.failover', camera: 'site1/cam1', change: 'failover' }))?.on, 'replication.failover');
    assert.equal(hookTriggerOf(ev({ type: 'replication.failover', camera: 'site1/cam1', change: 'handback' }))?.on, 'replication.handback');
  });

  it('source.failed is a replication pull going to backoff or stalled, not its other states', () => {
    const rep = (state: 'backoff' | 'stalled' | 'live' | 'connecting') =>
      hookTriggerOf(ev({ type: 'replication.state', factory: 'raw', path: 'site1/cam1', state, upstream: 'slave', detail: 'connect refused' }));
    assert.equal(rep('backoff')?.on, 'source.failed');
    assert.equal(rep('stalled')?.vars['CUPOLA_SOURCE_STATE'], 'stalled');
    assert.equal(rep('backoff')?.vars['CUPOLA_UPSTREAM'], 'slave');
    assert.equal(rep('live'), null);
    assert.equal(rep('connecting'), null);
  });

  it('source.failed is also a pulled camera whose source failed or stalled (Factory 1, its camera id)', () => {
    const src = (state: 'failed' | 'stalled' | 'live' | 'idle') => hookTriggerOf(ev({ type: 'source.state', camera: 'site1/door', state, detail: 'DESCRIBE rtsp://cam/x: 401 Unauthorized' }));
    assert.deepEqual([src('failed')?.on, src('failed')?.path, src('failed')?.factory], ['source.failed', 'site1/door', 'raw']);
    assert.equal(src('stalled')?.vars['CUPOLA_SOURCE_STATE'], 'stalled');
    assert.equal(src('failed')?.vars['CUPOLA_DETAIL'], 'DESCRIBE rtsp://cam/x: 401 Unauthorized');
    assert.equal(src('live'), null);
    assert.equal(src('idle'), null);
  });

  it('urls.changed and camera.changed run no hook', () => {
    assert.equal(hookTriggerOf(ev({ type: 'urls.changed', camera: 'a/b', best: null, urls: null })), null);
  });
});

describe('pathMatches', () => {
  const cases: [string, string, boolean][] = [
    ['site1/cam1', 'site1/cam1', true],
    ['site1/cam1', 'site1/cam10', false],
    ['site1/*', 'site1/cam1', true],
    ['site1/*', 'site2/cam1', false],
    ['*/cam1', 'site9/cam1', true],
    ['*', 'site1/cam1', false], // one * stays within a segment
    ['**', 'site1/cam1', true],
    ['site1/**', 'site1/a/b', true],
    ['site.1/*', 'siteX1/cam', false], // regex characters are literal
    ['cam(1)', 'cam(1)', true],
    ['site1/cam*', 'site1/cam-door', true],
  ];
  for (const [pattern, path, want] of cases) it(`${pattern} ${want ? 'matches' : 'does not match'} ${path}`, () => assert.equal(pathMatches(pattern, path), want));
});

describe('matchingHooks', () => {
  const list = hooks([
    { name: 'rec-all', on: 'stream.ready', command: ['r'] },
    { name: 'rec-raw-site1', on: 'stream.ready', factory: 'raw', paths: ['site1/*'], command: ['r'] },
    { name: 'comp', on: 'compression.state', factory: 'raw', command: ['c'] },
    { name: 'gone', on: 'stream.notReady', command: ['g'] },
  ]);
  const names = (t: ReturnType<typeof hookTriggerOf>): string[] => matchingHooks(list, t!).map((h) => h.name);
  it('filters by event, factory and path', () => {
    assert.deepEqual(names(hookTriggerOf(ev({ type: 'stream.up', stream: { path: 'site1/cam1', factory: 'raw' } as never }))), ['rec-all', 'rec-raw-site1']);
    assert.deepEqual(names(hookTriggerOf(ev({ type: 'stream.up', stream: { path: 'site1/cam1', factory: 'compressed' } as never }))), ['rec-all']);
    assert.deepEqual(names(hookTriggerOf(ev({ type: 'stream.up', stream: { path: 'site2/cam1', factory: 'raw' } as never }))), ['rec-all']);
    assert.deepEqual(names(hookTriggerOf(ev({ type: 'stream.down', factory: 'raw', path: 'x/y' }))), ['gone']);
    // compression.state is a Factory 2 event: a hook limited to raw does not see it.
    assert.deepEqual(names(hookTriggerOf(ev({ type: 'compression.state', camera: 'site1/cam1', state: 'running' }))), []);
  });
});

describe('hookEnv', () => {
  const urls: CameraUrls = {
    camera: 'site1/cam1',
    site: 'site1',
    name: 'cam1',
    enabled: true,
    publishKeyRequired: false,
    nodes: [
      {
        node: 'self',
        name: 'edge',
        role: 'slave',
        rtmpIngest: { internal: 'rtmp://10.0.0.1:1935/site1/cam1', advertised: 'rtmp://cams.example:11935/site1/cam1' },
        rtspRaw: { internal: 'rtsp://10.0.0.1:8554/site1/cam1', advertised: null },
        rtspCompressed: { internal: 'rtsp://10.0.0.1:8555/site1/cam1', advertised: null },
        whepRaw: { internal: 'http://10.0.0.1:8080/whep/raw/site1/cam1', advertised: null },
        whepCompressed: { internal: 'http://10.0.0.1:8080/whep/compressed/site1/cam1', advertised: null },
        hlsRaw: { internal: 'http://10.0.0.1:8080/hls/raw/site1/cam1/index.m3u8', advertised: null },
        hlsCompressed: { internal: 'http://10.0.0.1:8080/hls/compressed/site1/cam1/index.m3u8', advertised: null },
        live: { raw: true, compressed: false },
      },
      {
        node: 'peer',
        name: 'master',
        role: 'master',
        rtmpIngest: { internal: 'rtmp://10.0.0.2:1935/site1/cam1', advertised: null },
        rtspRaw: { internal: 'rtsp://10.0.0.2:8554/site1/cam1', advertised: null },
        rtspCompressed: { internal: 'rtsp://10.0.0.2:8555/site1/cam1', advertised: null },
        whepRaw: { internal: 'http://10.0.0.2:8080/whep/raw/site1/cam1', advertised: null },
        whepCompressed: { internal: 'http://10.0.0.2:8080/whep/compressed/site1/cam1', advertised: null },
        hlsRaw: { internal: 'http://10.0.0.2:8080/hls/raw/site1/cam1/index.m3u8', advertised: null },
        hlsCompressed: { internal: 'http://10.0.0.2:8080/hls/compressed/site1/cam1/index.m3u8', advertised: null },
        live: { raw: false, compressed: false },
      },
    ],
    best: { raw: null, compressed: null },
  };
  const [hook] = hooks([{ name: 'rec', on: 'stream.ready', command: ['r'] }]);

  it('names the hook, event, node, camera and this node’s URLs for the factory', () => {
    const t = hookTriggerOf(ev({ type: 'stream.up', stream: { path: 'site1/cam1', factory: 'compressed' } as never }))!;
    assert.deepEqual(hookEnv(hook!, t, { name: 'edge', role: 'slave' }, urls), {
      CUPOLA_HOOK: 'rec',
      CUPOLA_EVENT: 'stream.ready',
      CUPOLA_NODE: 'edge',
      CUPOLA_ROLE: 'slave',
      CUPOLA_PATH: 'site1/cam1',
      CUPOLA_SITE: 'site1',
      CUPOLA_CAMERA: 'cam1',
      CUPOLA_FACTORY: 'compressed',
      CUPOLA_RTSP_URL: 'rtsp://10.0.0.1:8555/site1/cam1',
      CUPOLA_RTMP_URL: 'rtmp://10.0.0.1:1935/site1/cam1',
      CUPOLA_RTMP_URL_ADVERTISED: 'rtmp://cams.example:11935/site1/cam1',
      CUPOLA_EVENT_TIME: '2026-12-03T10:00:00.000Z',
      CUPOLA_EVENT_SEQ: '7',
    });
  });

  it('a path outside the catalog gets no URLs but still its site and camera', () => {
    const t = hookTriggerOf(ev({ type: 'stream.down', factory: 'raw', path: 'site3/door' }))!;
    const env = hookEnv(hook!, t, { name: 'edge', role: 'master' }, undefined);
    assert.equal(env['CUPOLA_SITE'], 'site3');
    assert.equal(env['CUPOLA_CAMERA'], 'door');
    assert.equal(env['CUPOLA_RTSP_URL'], undefined);
    assert.equal(env['CUPOLA_ROLE'], 'master');
  });
});
