import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Frame, StreamDescription } from '../../../../protocols/media/frame.ts';
import type { EventBody } from '../../../../src/core/events.ts';
import type { Catalog } from '../../../../src/config/catalog.ts';
import type { Camera } from '../../../../src/config/model.ts';
import { DEFAULT_SETTINGS } from '../../../../src/config/settings.ts';
import type { SourceHandlers, SourceRequest } from '../../../../src/replication/source.ts';
import { startSources, type SourceRunner } from '../../../../src/sources/source-runner.ts';
import { StreamRegistry } from '../../../../src/streams/registry.ts';
import { waitFor } from '../../../helpers/server.ts';

const desc: StreamDescription = { video: { codec: 'h264', width: 320, height: 240 } };
const frame = (dts: number, keyframe = false): Frame => ({ track: 'video', dts, pts: dts, keyframe, payload: Buffer.from([0, 0, 0, 1, keyframe ? 0x65 : 0x41]) });

interface Session {
  readonly camera: string;
  readonly request: SourceRequest;
  readonly handlers: SourceHandlers;
  closed: boolean;
}

/** A catalog the test edits, scripted sessions the test drives. */
function harness(cameras: Camera[], settings: Partial<typeof DEFAULT_SETTINGS.sources> = {}, failover?: { active(camera: string): boolean }) {
  let catalog: Catalog = { sites: [], cameras, profiles: [] };
  const listeners = new Set<() => void>();
  const sessions: Session[] = [];
  const events: EventBody[] = [];
  const logs: string[] = [];
  const log = {
    debug: (m: string, f?: object) => logs.push(`${m} ${JSON.stringify(f)}`),
    info: (m: string, f?: object) => logs.push(`${m} ${JSON.stringify(f)}`),
    warn: (m: string, f?: object) => logs.push(`${m} ${JSON.stringify(f)}`),
    error: (m: string, f?: object) => logs.push(`${m} ${JSON.stringify(f)}`),
    child() {
      return log;
    },
  };
  const raw = new StreamRegistry('raw');
  const runner: SourceRunner = startSources({
    raw,
    catalog: () => catalog,
    watchCatalog: (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    settings: { ...DEFAULT_SETTINGS.sources, backoffInitialMs: 20, backoffMaxMs: 40, stallMs: 500, connectTimeoutMs: 2000, onDemandCloseAfterMs: 100, onDemandStartTimeoutMs: 1500, ...settings },
    events: { publish: (b) => events.push(b) },
    log: log as never,
    tickMs: 10,
    ...(failover !== undefined ? { failover } : {}),
    opener: (camera) => (request, handlers) => {
      const s: Session = { camera: camera.id, request, handlers, closed: false };
      sessions.push(s);
      return { close: () => void (s.closed = true) };
    },
  });
  return {
    raw,
    runner,
    sessions,
    events,
    logs,
    setCameras(next: Camera[]) {
      catalog = { ...catalog, cameras: next };
      for (const l of listeners) l();
    },
    open: (camera: string) => sessions.filter((s) => s.camera === camera && !s.closed),
  };
}

const cam = (id: string, extra: Partial<Camera> = {}): Camera => {
  const [site, name] = id.split('/') as [string, string];
  return { id, site, name, enabled: true, source: `rtsp://cam.example/${name}`, sourceTransport: 'tcp', sourceOnDemand: false, ...extra };
};

/** The server ends the session (the client reports it; the runner does not close it again). */
function fail(s: Session, message: string): void {
  s.closed = true;
  s.handlers.onClose(new Error(message));
}

function play(s: Session, from = 0): void {
  s.handlers.onDescription(desc);
  s.handlers.onFrame(frame(from, true));
  s.handlers.onFrame(frame(from + 40));
}

describe('pulled cameras: the source runner', () => {
  it('pulls always-on sources at once, publishes as "source", reconnects with a restart counted', async () => {
    const h = harness([cam('s/a'), cam('s/off', { enabled: false }), { id: 's/push', site: 's', name: 'push', enabled: true }]);
    try {
      await waitFor(() => h.open('s/a').length === 1, 2000, 'session');
      assert.equal(h.sessions.length, 1, 'only the enabled camera with a source is pulled');
      assert.equal(h.runner.get('s/a')?.state, 'connecting');
      play(h.open('s/a')[0]!);
      assert.equal(h.runner.get('s/a')?.state, 'live');
      assert.equal(h.raw.get('s/a')?.publisher?.kind, 'source');
      fail(h.open('s/a')[0]!, 'connection reset');
      assert.equal(h.runner.get('s/a')?.state, 'failed');
      assert.equal(h.runner.get('s/a')?.lastError, 'connection reset');
      await waitFor(() => h.open('s/a').length === 1, 2000, 'reconnect');
      play(h.open('s/a')[0]!, 1000);
      assert.equal(h.runner.get('s/a')?.state, 'live', JSON.stringify(h.runner.get('s/a')));
      assert.equal(h.runner.get('s/a')?.restarts, 1);
      assert.ok(h.events.some((e) => e.type === 'source.state' && e.state === 'failed'));
    } finally {
      h.runner.close();
    }
  });

  it('a stalled source is reconnected', async () => {
    const h = harness([cam('s/a')]);
    try {
      await waitFor(() => h.open('s/a').length === 1, 2000, 'session');
      play(h.open('s/a')[0]!);
      await waitFor(() => h.events.some((e) => e.type === 'source.state' && e.state === 'stalled' && e.detail === 'no media for 500 ms'), 3000, 'stalled');
      await waitFor(() => h.open('s/a').length === 1 && h.sessions.length === 2, 3000, 'reconnect after the stall');
    } finally {
      h.runner.close();
    }
  });

  it('masks the password in errors, logs and events; passes it to the client as credentials', async () => {
    const h = harness([cam('s/a', { sourceUser: 'admin', sourcePass: 'hunter22' })]);
    try {
      await waitFor(() => h.open('s/a').length === 1, 2000, 'session');
      const s = h.open('s/a')[0]!;
      assert.deepEqual(s.request.credentials, { user: 'admin', pass: 'hunter22' });
      assert.equal(s.request.url, 'rtsp://cam.example/a');
      fail(s, 'DESCRIBE rtsp://admin:hunter22@cam.example/a: 401, server said hunter22');
      const st = h.runner.get('s/a')!;
      assert.equal(st.lastError, 'DESCRIBE rtsp://***@cam.example/a: 401, server said ***');
      assert.ok(!JSON.stringify(h.runner.list()).includes('hunter22'));
      assert.ok(!JSON.stringify(h.events).includes('hunter22'));
      assert.ok(!h.logs.join('\n').includes('hunter22'));
    } finally {
      h.runner.close();
    }
  });

  it('follows the catalog: a changed source restarts only that camera, a removed one stops', async () => {
    const h = harness([cam('s/a'), cam('s/b')]);
    try {
      await waitFor(() => h.open('s/a').length === 1 && h.open('s/b').length === 1, 2000, 'sessions');
      const b = h.open('s/b')[0]!;
      h.setCameras([cam('s/a', { source: 'rtsp://cam.example/a2' }), cam('s/b')]);
      await waitFor(() => h.open('s/a')[0]?.request.url === 'rtsp://cam.example/a2', 2000, 'new URL');
      assert.equal(b.closed, false, 'the unchanged camera keeps its session');
      h.setCameras([cam('s/b')]);
      assert.equal(h.open('s/a').length, 0);
      assert.equal(h.runner.get('s/a'), undefined);
    } finally {
      h.runner.close();
    }
  });

  it('on demand: idle until demanded, holds the reader to the first keyframe, closes after the last reader', async () => {
    const h = harness([cam('s/od', { sourceOnDemand: true })]);
    try {
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(h.sessions.length, 0, 'no pull without a reader');
      assert.equal(h.runner.get('s/od')?.state, 'idle');
      const ready = h.runner.demand('s/od');
      await waitFor(() => h.open('s/od').length === 1, 2000, 'pull started by demand');
      play(h.open('s/od')[0]!);
      assert.equal(await ready, true);
      const sink = { onDescription() {}, onFrame() {}, onEnd() {} };
      const unsubscribe = h.raw.get('s/od')!.subscribe(sink);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(h.open('s/od').length, 1, 'kept while read');
      unsubscribe();
      await waitFor(() => h.runner.get('s/od')?.state === 'idle', 2000, 'idle after the last reader');
      assert.equal(h.open('s/od').length, 0);
      assert.equal(h.runner.get('s/od')?.restarts, 0);
    } finally {
      h.runner.close();
    }
  });

  it('on demand: a source with no keyframe within the start timeout lets the reader go (false)', async () => {
    const h = harness([cam('s/od', { sourceOnDemand: true })], { onDemandStartTimeoutMs: 200 });
    try {
      const started = Date.now();
      assert.equal(await h.runner.demand('s/od'), false);
      assert.ok(Date.now() - started >= 150);
      assert.equal(await h.runner.demand('s/none'), false, 'not a source');
    } finally {
      h.runner.close();
    }
  });

  it('master failover: pulls only while the gate says the slave is gone, hands back when it returns', async () => {
    let slaveDown = false;
    const h = harness([cam('s/a')], {}, { active: () => slaveDown });
    try {
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(h.sessions.length, 0, 'the slave pulls it: nothing here');
      assert.equal(await h.runner.demand('s/a'), false, 'a reader is not held for a camera the slave pulls');
      slaveDown = true;
      await waitFor(() => h.open('s/a').length === 1, 2000, 'taken over');
      play(h.open('s/a')[0]!);
      assert.equal(h.raw.get('s/a')?.publisher?.kind, 'source');
      slaveDown = false;
      await waitFor(() => h.open('s/a').length === 0, 2000, 'handed back');
      assert.equal(h.runner.get('s/a')?.state, 'idle');
      assert.equal(h.raw.get('s/a')?.publisher ?? null, null, 'the path is free for replication again');
      assert.ok(h.logs.some((l) => l.startsWith('source failover: ')) && h.logs.some((l) => l.startsWith('source failover ended')));
    } finally {
      h.runner.close();
    }
  });

  it('the registry asks the demand handler only for paths that are not live', async () => {
    const raw = new StreamRegistry('raw');
    const asked: string[] = [];
    raw.setDemandHandler((p) => (asked.push(p), Promise.resolve(true)));
    assert.ok(raw.demand('s/x') !== undefined);
    const pub = raw.publish('s/y', { kind: 'rtmp', remote: 't' });
    pub.setDescription(desc);
    assert.equal(raw.demand('s/y'), undefined, 'live: look it up now');
    assert.equal(raw.demand('../bad'), undefined);
    assert.deepEqual(asked, ['s/x', 's/y']);
    raw.close();
  });
});
