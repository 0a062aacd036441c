import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Frame, StreamDescription } from '../../../../protocols/media/frame.ts';
import type { EventBody } from '../../../../src/core/events.ts';
import { startReplication, type ReplicationRunner } from '../../../../src/replication/runner.ts';
import type { SourceHandlers, SourceRequest, SourceSession } from '../../../../src/replication/source.ts';
import type { PullStatus } from '../../../../src/replication/status.ts';
import { StreamRegistry } from '../../../../src/streams/registry.ts';
import type { FrameSink } from '../../../../src/streams/types.ts';
import { virtualTime, type VirtualTime } from '../../../helpers/virtual-time.ts';

const desc: StreamDescription = { video: { codec: 'h264', width: 320, height: 240 } };
const frame = (dts: number, keyframe = false): Frame => ({ track: 'video', dts, pts: dts, keyframe, payload: Buffer.from([0, 0, 0, 1, keyframe ? 0x65 : 0x41]) });

/** A scripted slave: its API answers from `streams`/`node` (or fails while `down`); sessions are driven by the test. */
class FakeSlave {
  down = false;
  streams: unknown[] = [];
  node: unknown = { name: 'slave', role: 'slave', ports: { rtmp: 11935, rtspRaw: 18554, rtspCompressed: 18555 } };
  readonly sessions: Array<{ request: SourceRequest; handlers: SourceHandlers; closed: boolean }> = [];
  readonly opened = new EventEmitter<{ open: [SourceRequest] }>();

  fetch = (async (input: URL | RequestInfo): Promise<Response> => {
    if (this.down) throw new Error('connect ECONNREFUSED');
    const path = new URL(String(input)).pathname;
    // uptime grows with time, as the real API reports it
    const listing = this.streams.map((x) => {
      const o = x as { startedAt?: number };
      return o.startedAt === undefined ? x : { ...o, uptimeSeconds: (Date.now() - o.startedAt) / 1000 };
    });
    const body = path === '/api/v1/streams' ? listing : path === '/api/v1/node' ? this.node : null;
    if (body === null) return new Response('no', { status: 404 });
    return Response.json(body);
  }) as typeof fetch;

  open = (request: SourceRequest, handlers: SourceHandlers): SourceSession => {
    const s = { request, handlers, closed: false };
    this.sessions.push(s);
    queueMicrotask(() => this.opened.emit('open', request));
    return {
      close: () => {
        s.closed = true;
      },
    };
  };

  session(path: string, factory = 'raw'): (typeof this.sessions)[number] {
    const s = [...this.sessions].reverse().find((x) => x.request.url.endsWith(`/${path}`) && x.request.factory === factory && !x.closed);
    if (s === undefined) throw new Error(`no open session for ${path}`);
    return s;
  }
}

const T0 = Date.now() - 60_000;
const rawCam = (path = 's1/cam1', startedAt = T0): unknown => ({ factory: 'raw', path, publisher: { kind: 'rtmp', remote: 'x' }, startedAt });
const compCam = (path = 's1/cam1'): unknown => ({ factory: 'compressed', path, publisher: { kind: 'compressor', remote: 'w' }, startedAt: T0 });

interface Harness {
  /** The runner's timers and Date run on it: waits move it instead of sleeping. */
  clock: VirtualTime;
  slave: FakeSlave;
  raw: StreamRegistry;
  compressed: StreamRegistry;
  runner: ReplicationRunner;
  events: EventBody[];
  states: EventEmitter<{ state: [PullStatus] }>;
  compression: { started: string[]; stopped: string[] };
  failovers: EventEmitter<{ failover: [string, boolean] }>;
  /** Resolves when `factory:path` reaches `state` (now or later); rejects after `ms` of virtual time. */
  waitState(factory: string, path: string, state: string, ms?: number): Promise<PullStatus>;
  close(): Promise<void>;
}

function harness(t: TestContext, slave = new FakeSlave(), failoverAfterMs = 100, upstreamTls?: { ca: string }): Harness {
  const clock = virtualTime(t);
  const raw = new StreamRegistry('raw');
  const compressed = new StreamRegistry('compressed');
  const events: EventBody[] = [];
  const states = new EventEmitter<{ state: [PullStatus] }>();
  const failovers = new EventEmitter<{ failover: [string, boolean] }>();
  const compression = { started: [] as string[], stopped: [] as string[] };
  const runner = startReplication(
    {
      upstreams: [{ id: 'slave', apiUrl: 'http://slave.test:8080', ...(upstreamTls !== undefined ? { tls: upstreamTls } : {}) }],
      watch: { pollIntervalMs: 20, requestTimeoutMs: 500, events: false },
      pull: { stallMs: 500, connectTimeoutMs: 1000, stableMs: 10_000, backoff: { initialMs: 40, maxMs: 200, jitter: 0 } },
      failover: { afterMs: failoverAfterMs },
      tickMs: 10,
    },
    {
      raw,
      compressed,
      openSource: slave.open,
      fetch: slave.fetch,
      events: { publish: (b) => events.push(b) },
      compression: { startCamera: (p) => compression.started.push(p), stopCamera: (p) => compression.stopped.push(p) },
      listener: { onState: (s) => states.emit('state', s), onFailover: (p, a) => failovers.emit('failover', p, a) },
    },
  );
  const waitState = async (factory: string, path: string, state: string, ms = 2000): Promise<PullStatus> => {
    const match = (s: PullStatus): boolean => s.factory === factory && s.path === path && s.state === state;
    let seen = runner.list().find(match);
    const on = (s: PullStatus): void => {
      if (seen === undefined && match(s)) seen = s;
    };
    states.on('state', on);
    try {
      await clock.until(() => seen !== undefined, `${factory}:${path} reaching ${state}`, ms);
    } catch (err) {
      throw new Error(`${(err as Error).message}; now ${JSON.stringify(runner.list())}`);
    } finally {
      states.off('state', on);
    }
    return seen!;
  };
  return {
    clock, slave, raw, compressed, runner, events, states, compression, failovers, waitState,
    async close() {
      await runner.close();
      raw.close();
      compressed.close();
    },
  };
}

/** The next failover change, waited for on the harness clock. */
async function nextFailover(h: Harness, ms = 3000): Promise<[string, boolean]> {
  let got: [string, boolean] | undefined;
  h.failovers.once('failover', (p, a) => (got = [p, a]));
  await h.clock.until(() => got !== undefined, `a failover change; now ${JSON.stringify(h.runner.list())}`, ms);
  return got!;
}

/** The next session the slave is asked to open (armed now, waited for on the harness clock). */
async function opened(h: Harness, ms = 2000): Promise<SourceRequest> {
  let got: SourceRequest | undefined;
  h.slave.opened.once('open', (r) => (got = r));
  await h.clock.until(() => got !== undefined, 'a session opened', ms);
  return got!;
}

test('pulls every listed stream from the ports the slave announces: raw over RTMP, compressed over RTSP', async (t) => {
  const slave = new FakeSlave();
  slave.streams = [rawCam(), compCam(), { factory: 'raw', path: 's1/copy', publisher: { kind: 'replication', remote: 'm' } }];
  const h = harness(t, slave);
  try {
    await h.waitState('raw', 's1/cam1', 'connecting');
    await h.waitState('compressed', 's1/cam1', 'connecting');
    assert.deepEqual(slave.sessions.map((s) => s.request.url).sort(), ['rtmp://slave.test:11935/s1/cam1', 'rtsp://slave.test:18555/s1/cam1']);
    assert.equal(h.runner.list().length, 2, 'a replicated copy on the slave is not pulled again');
    for (const f of ['raw', 'compressed'] as const) {
      const s = slave.sessions.find((x) => x.request.factory === f)!;
      s.handlers.onDescription(desc);
      s.handlers.onFrame(frame(0, true));
      const st = await h.waitState(f, 's1/cam1', 'live');
      assert.equal(st.upstream, 'slave');
    }
    const stream = h.raw.get('s1/cam1')!;
    assert.equal(stream.live, true);
    assert.equal(stream.publisher?.kind, 'replication');
    assert.equal(h.compressed.get('s1/cam1')?.publisher?.kind, 'replication');
    assert.ok(h.events.some((e) => e.type === 'replication.state' && e.state === 'live' && e.factory === 'raw'));
    const sample = h.runner.samples().find((s) => s.factory === 'raw')!;
    assert.equal(sample.state, 'live');
    assert.equal(sample.bytes, 5);
    assert.ok(sample.secondsSinceLastFrame !== null && sample.secondsSinceLastFrame < 1);
    assert.deepEqual(h.runner.upstreams()[0]?.ports, { rtmp: 11935, rtspRaw: 18554, rtspCompressed: 18555, rtmps: null, rtspsRaw: null, rtspsCompressed: null });
  } finally {
    await h.close();
  }
});

test('a slave that offers TLS is pulled over rtmps:// and rtsps:// with the upstream trust; back to plain when it stops offering it', async (t) => {
  const slave = new FakeSlave();
  slave.streams = [rawCam(), compCam()];
  slave.node = { name: 'slave', role: 'slave', ports: { rtmp: 11935, rtspRaw: 18554, rtspCompressed: 18555, rtmps: 11936, rtspsRaw: 18322, rtspsCompressed: 18323 } };
  const trust = { ca: '-----BEGIN CERTIFICATE-----\n(test CA)\n-----END CERTIFICATE-----\n' };
  const h = harness(t, slave, 100, trust);
  try {
    await h.waitState('raw', 's1/cam1', 'connecting');
    await h.waitState('compressed', 's1/cam1', 'connecting');
    assert.deepEqual(slave.sessions.map((s) => s.request.url).sort(), ['rtmps://slave.test:11936/s1/cam1', 'rtsps://slave.test:18323/s1/cam1']);
    for (const s of slave.sessions) assert.deepEqual(s.request.tls, trust, 'the upstream trust goes with the pull');
    // Restarted without TLS (its node info has no TLS port): the next sessions are plain.
    slave.node = { name: 'slave', role: 'slave', ports: { rtmp: 11935, rtspRaw: 18554, rtspCompressed: 18555 } };
    slave.down = true;
    await h.clock.until(() => h.runner.upstreams()[0]?.reachable === false, 'slave down', 2000);
    for (const s of slave.sessions) s.handlers.onClose(new Error('connection reset'));
    slave.down = false;
    await h.clock.until(() => slave.sessions.some((s) => s.request.url === 'rtmp://slave.test:11935/s1/cam1'), 'a plain RTMP session', 3000);
    await h.clock.until(() => slave.sessions.some((s) => s.request.url === 'rtsp://slave.test:18555/s1/cam1'), 'a plain RTSP session', 3000);
  } finally {
    await h.close();
  }
});

test('a slave that comes back on other media ports (restart between polls) is pulled from the new ones', async (t) => {
  const slave = new FakeSlave();
  slave.streams = [rawCam()];
  const h = harness(t, slave);
  try {
    await h.waitState('raw', 's1/cam1', 'connecting');
    const first = slave.session('s1/cam1');
    assert.equal(first.request.url, 'rtmp://slave.test:11935/s1/cam1');
    first.handlers.onDescription(desc);
    first.handlers.onFrame(frame(0, true));
    await h.waitState('raw', 's1/cam1', 'live');
    // Restarted without a poll seeing it down: only its node info tells the new ports.
    slave.node = { name: 'slave', role: 'slave', ports: { rtmp: 21935, rtspRaw: 28554, rtspCompressed: 28555 } };
    await h.clock.advance(100); // five polls (20 ms period)
    const next = opened(h);
    first.handlers.onClose(new Error('connection reset'));
    assert.equal((await next).url, 'rtmp://slave.test:21935/s1/cam1');
    assert.deepEqual(h.runner.upstreams()[0]?.ports, { rtmp: 21935, rtspRaw: 28554, rtspCompressed: 28555, rtmps: null, rtspsRaw: null, rtspsCompressed: null });
  } finally {
    await h.close();
  }
});

test('a node-info request that fails (timeout) is retried: pulls use the announced ports, not the defaults', async (t) => {
  const slave = new FakeSlave();
  slave.streams = [rawCam()];
  const realFetch = slave.fetch;
  let nodeFailures = 2;
  slave.fetch = (async (input: URL | RequestInfo, init?: RequestInit) => {
    if (new URL(String(input)).pathname === '/api/v1/node' && nodeFailures-- > 0) throw new Error('The operation was aborted due to timeout');
    return realFetch(input, init);
  }) as typeof fetch;
  const h = harness(t, slave);
  try {
    await h.clock.until(() => h.runner.upstreams()[0]?.ports.rtmp === 11935 && slave.sessions.length > 0, 'the announced ports and a session', 2000);
    // The first session may have been opened on the defaults while the ports were unknown; the
    // next one must use the announced ports.
    const current = slave.session('s1/cam1');
    const next = opened(h);
    current.handlers.onClose(new Error('connection refused'));
    assert.equal((await next).url, 'rtmp://slave.test:11935/s1/cam1');
  } finally {
    await h.close();
  }
});

test('a session failure backs off and reconnects; a reader of the master keeps its subscription with increasing timestamps', async (t) => {
  const slave = new FakeSlave();
  slave.streams = [rawCam()];
  const h = harness(t, slave);
  try {
    await opened(h);
    let s = slave.session('s1/cam1');
    s.handlers.onDescription(desc);
    s.handlers.onFrame(frame(1000, true));
    s.handlers.onFrame(frame(1040));
    await h.waitState('raw', 's1/cam1', 'live');
    const got: number[] = [];
    let ended = 0;
    const sink: FrameSink = { onDescription: () => {}, onFrame: (f) => void got.push(f.dts), onEnd: () => void ended++ };
    h.raw.get('s1/cam1')!.subscribe(sink);
    const nextOpen = opened(h);
    s.handlers.onClose(new Error('connection reset'));
    const backoff = await h.waitState('raw', 's1/cam1', 'backoff');
    assert.equal(backoff.detail, 'connection reset');
    await nextOpen;
    s = slave.session('s1/cam1');
    s.handlers.onDescription(desc);
    s.handlers.onFrame(frame(0, true)); // the new session starts its own timeline at 0
    s.handlers.onFrame(frame(40));
    const live = await h.waitState('raw', 's1/cam1', 'live');
    assert.equal(live.reconnects, 1);
    assert.equal(ended, 0, 'the reader was not closed');
    for (let i = 1; i < got.length; i++) assert.ok(got[i]! > got[i - 1]!, `timestamps increase: ${got.join(',')}`);
    assert.ok(got.length >= 4);
  } finally {
    await h.close();
  }
});

test('no media for stallMs: stalled, the session is closed, then reconnected', async (t) => {
  const slave = new FakeSlave();
  slave.streams = [rawCam()];
  const h = harness(t, slave);
  try {
    await opened(h);
    const s = slave.session('s1/cam1');
    s.handlers.onDescription(desc);
    s.handlers.onFrame(frame(0, true));
    await h.waitState('raw', 's1/cam1', 'live');
    await h.waitState('raw', 's1/cam1', 'stalled');
    assert.equal(s.closed, true);
    assert.equal(h.raw.get('s1/cam1')?.publisher ?? null, null, 'publication closed while stalled');
    await h.waitState('raw', 's1/cam1', 'connecting');
  } finally {
    await h.close();
  }
});

test('slave unreachable: pulls keep retrying; the listing coming back retries at once (kick)', async (t) => {
  const slave = new FakeSlave();
  slave.streams = [rawCam()];
  const h = harness(t, slave);
  try {
    await opened(h);
    slave.down = true;
    slave.session('s1/cam1').handlers.onClose(new Error('ECONNRESET'));
    await h.waitState('raw', 's1/cam1', 'backoff');
    // every retry fails while the slave is down: backoff grows to its cap (200 ms here)
    slave.opened.on('open', () => queueMicrotask(() => slave.sessions.at(-1)?.handlers.onClose(new Error('ECONNREFUSED'))));
    let thirdRetry = false;
    const on = (st: PullStatus): void => {
      if (st.state === 'backoff' && st.reconnects >= 3) thirdRetry = true;
    };
    h.states.on('state', on);
    await h.clock.until(() => thirdRetry, 'a third failed retry', 3000);
    h.states.off('state', on);
    assert.equal(h.runner.list().length, 1, 'the pull is kept while the API is unreachable');
    assert.equal(h.runner.upstreams()[0]?.reachable, false);
    slave.opened.removeAllListeners('open');
    // the slave restarts with its camera published again (a new publication)
    slave.streams = [rawCam('s1/cam1', Date.now())];
    slave.down = false;
    const st = await h.waitState('raw', 's1/cam1', 'connecting', 1000);
    assert.ok(st.state === 'connecting');
  } finally {
    await h.close();
  }
});

test('a stream no longer listed is stopped and removed; its publication closes', async (t) => {
  const slave = new FakeSlave();
  slave.streams = [rawCam(), rawCam('s1/cam2')];
  const h = harness(t, slave);
  try {
    await h.waitState('raw', 's1/cam2', 'connecting');
    const s = slave.session('s1/cam2');
    s.handlers.onDescription(desc);
    s.handlers.onFrame(frame(0, true));
    await h.waitState('raw', 's1/cam2', 'live');
    slave.streams = [rawCam()];
    const stopped = await h.waitState('raw', 's1/cam2', 'stopped');
    assert.equal(stopped.detail, 'not-listed');
    assert.equal(s.closed, true);
    assert.equal(h.raw.get('s1/cam2'), undefined);
    assert.deepEqual(h.runner.list().map((p) => p.path), ['s1/cam1']);
  } finally {
    await h.close();
  }
});

test('a camera publishing directly to the master takes precedence; replication resumes when it leaves', async (t) => {
  const slave = new FakeSlave();
  const h = harness(t, slave);
  try {
    const direct = h.raw.publish('s1/cam1', { kind: 'rtmp', remote: 'camera' });
    direct.setDescription(desc);
    slave.streams = [rawCam()];
    const paused = await h.waitState('raw', 's1/cam1', 'stopped');
    assert.equal(paused.detail, 'direct-publisher');
    assert.equal(slave.sessions.length, 0, 'no upstream session while the camera publishes directly');
    direct.close();
    await h.waitState('raw', 's1/cam1', 'connecting');
    const s = slave.session('s1/cam1');
    s.handlers.onDescription(desc);
    s.handlers.onFrame(frame(0, true));
    await h.waitState('raw', 's1/cam1', 'live');
    assert.equal(h.raw.get('s1/cam1')?.publisher?.kind, 'replication');
  } finally {
    await h.close();
  }
});

test('a direct publisher that pre-empts the replicated copy pauses the pull (publication closed under it)', async (t) => {
  const slave = new FakeSlave();
  slave.streams = [rawCam()];
  const h = harness(t, slave);
  try {
    await opened(h);
    const s = slave.session('s1/cam1');
    s.handlers.onDescription(desc);
    s.handlers.onFrame(frame(0, true));
    await h.waitState('raw', 's1/cam1', 'live');
    // What the registry does when it lets a direct publisher pre-empt: our publication is closed
    // and the camera's becomes the stream's publisher.
    const stream = h.raw.get('s1/cam1')!;
    stream.detachPublisher();
    stream.attachPublisher({ kind: 'rtmp', remote: 'camera' });
    s.handlers.onFrame(frame(40));
    const paused = await h.waitState('raw', 's1/cam1', 'stopped');
    assert.equal(paused.detail, 'direct-publisher');
    assert.equal(s.closed, true);
  } finally {
    await h.close();
  }
});

test('compression failover: raw live and compressed missing for afterMs starts a local worker; the slave stream returning stops it', async (t) => {
  const slave = new FakeSlave();
  slave.streams = [rawCam(), compCam()];
  const h = harness(t, slave, 150);
  try {
    await h.waitState('raw', 's1/cam1', 'connecting');
    const s = slave.session('s1/cam1');
    assert.equal(s.request.factory, 'raw');
    s.handlers.onDescription(desc);
    await h.waitState('raw', 's1/cam1', 'connecting');
    // feed whichever raw session is open (a loaded machine may stall one out)
    const described = new Set([s]);
    const keepFeeding = setInterval(() => {
      const cur = [...slave.sessions].reverse().find((x) => x.request.factory === 'raw' && !x.closed);
      if (cur !== undefined && !described.has(cur)) {
        described.add(cur);
        cur.handlers.onDescription(desc);
      }
      cur?.handlers.onFrame(frame(Date.now(), true));
    }, 20);
    try {
      await h.waitState('raw', 's1/cam1', 'live');
      const started = Date.now();
      slave.streams = [rawCam()]; // the slave's compressor for this camera stopped
      const on = await nextFailover(h);
      assert.deepEqual(on, ['s1/cam1', true]);
      // Virtual time, so exact: not before afterMs (150), and no later than afterMs plus the poll
      // that sees the listing change (20), the tick that decides (10) and one clock step (5).
      const after = Date.now() - started;
      assert.ok(after >= 150, `not before afterMs (${after} ms)`);
      assert.ok(after <= 150 + 20 + 10 + 5, `within afterMs, a poll and a tick (${after} ms)`);
      assert.deepEqual(h.compression.started, ['s1/cam1']);
      assert.deepEqual(h.runner.failovers(), ['s1/cam1']);
      slave.streams = [rawCam(), compCam()];
      const off = await nextFailover(h);
      assert.deepEqual(off, ['s1/cam1', false]);
      assert.deepEqual(h.compression.stopped, ['s1/cam1']);
      // The same two moments on the event bus (what hooks and webhooks follow).
      assert.deepEqual(
        h.events.filter((e) => e.type === 'replication.failover'),
        [
          { type: 'replication.failover', camera: 's1/cam1', change: 'failover' },
          { type: 'replication.failover', camera: 's1/cam1', change: 'handback' },
        ],
      );
    } finally {
      clearInterval(keepFeeding);
    }
  } finally {
    await h.close();
  }
});

test('close stops every pull and local worker; duplicate upstream ids are refused', async (t) => {
  const slave = new FakeSlave();
  slave.streams = [rawCam()];
  const h = harness(t, slave);
  await opened(h);
  await h.close();
  assert.equal(slave.sessions[0]?.closed, true);
  assert.equal(h.runner.list().length, 0);
  assert.throws(
    () =>
      startReplication(
        { upstreams: [{ id: 'a', apiUrl: 'http://x' }, { id: 'a', apiUrl: 'http://y' }] },
        { raw: h.raw, compressed: h.compressed, openSource: slave.open },
      ),
    /used twice/,
  );
});
