import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../../../src/log/logger.ts';
import type { UpstreamPorts } from '../../../../src/replication/upstream-api.ts';
import { UpstreamWatch } from '../../../../src/replication/upstream-watch.ts';
import type { EventSocketOptions } from '../../../../src/replication/ws/event-socket.ts';
import { virtualTime } from '../../../helpers/virtual-time.ts';

/** An upstream API whose /api/v1/node fails `nodeFailures` times (timeouts), then answers. */
/** What a node announcing no TLS port reports for them (not offered). */
const NO_TLS = { rtmps: null, rtspsRaw: null, rtspsCompressed: null } as const;

function fakeApi(
  nodeFailures: number,
  node: unknown = { ports: { rtmp: 11935, rtspRaw: 18554, rtspCompressed: 18555 } },
): { fetch: typeof fetch; nodeCalls: () => number; listingCalls: () => number } {
  let calls = 0;
  let listings = 0;
  const f = (async (input: URL | RequestInfo): Promise<Response> => {
    const path = new URL(String(input)).pathname;
    if (path === '/api/v1/node') {
      calls++;
      if (calls <= nodeFailures) throw new Error('The operation was aborted due to timeout');
      return node === null ? new Response('no', { status: 404 }) : Response.json(node);
    }
    if (path === '/api/v1/streams') {
      listings++;
      return Response.json({ items: [] });
    }
    return new Response('no', { status: 404 });
  }) as typeof fetch;
  return { fetch: f, nodeCalls: () => calls, listingCalls: () => listings };
}

function watch(api: ReturnType<typeof fakeApi>, ports: UpstreamPorts[]): UpstreamWatch {
  return new UpstreamWatch(
    { id: 'slave', apiUrl: 'http://slave.test:8080' },
    { pollIntervalMs: 10, requestTimeoutMs: 500, events: true },
    {
      fetch: api.fetch,
      // The event stream stays connecting: only polls run.
      connectEvents: (_o: EventSocketOptions) => ({ close() {} }),
      now: () => Date.now(), // the test's virtual clock
      log: silentLogger,
      onSnapshot: () => {},
      onPorts: (p) => ports.push(p),
    },
  );
}

test('a node-info request that times out is asked again; the announced ports win over the defaults', async (t) => {
  const clock = virtualTime(t);
  const api = fakeApi(2);
  const ports: UpstreamPorts[] = [];
  const w = watch(api, ports);
  w.start();
  try {
    await clock.until(() => w.ports.rtmp === 11935, 'the announced ports', 2000);
    assert.deepEqual(ports.at(-1), { rtmp: 11935, rtspRaw: 18554, rtspCompressed: 18555, rtmps: null, rtspsRaw: null, rtspsCompressed: null });
    assert.equal(ports[0]?.rtmp, 1935, 'the defaults are reported while unknown');
    const calls = api.nodeCalls();
    const listings = api.listingCalls();
    await clock.advance(60);
    assert.equal(api.listingCalls(), listings + 6, 'six polls in 60 ms (10 ms period)');
    assert.equal(api.nodeCalls(), calls, 'once known (and the upstream reachable), node info is not asked at every poll');
  } finally {
    w.close();
  }
});

test('an upstream without /api/v1/node (404) keeps the configured ports and is not asked again', async (t) => {
  const clock = virtualTime(t);
  const api = fakeApi(0, null);
  const w = watch(api, []);
  w.start();
  try {
    await clock.until(() => w.snapshot.reachable, 'reachable', 2000);
    const listings = api.listingCalls();
    await clock.advance(60);
    assert.equal(api.listingCalls(), listings + 6, 'six polls in 60 ms (10 ms period)');
    assert.equal(api.nodeCalls(), 1);
    assert.equal(w.ports.rtmp, 1935);
  } finally {
    w.close();
  }
});

/**
 * An upstream that can be killed and restarted: while down, every request fails like a refused
 * connection and its event socket closes; `nodePorts` is what its /api/v1/node announces.
 */
function killableUpstream(nodePorts: UpstreamPorts): {
  fetch: typeof fetch;
  connectEvents: (o: EventSocketOptions) => { close(): void };
  kill(): void;
  restart(ports: UpstreamPorts): void;
  nodeCalls: () => number;
} {
  let up = true;
  let ports = nodePorts;
  let calls = 0;
  const sockets = new Set<EventSocketOptions>();
  return {
    fetch: (async (input: URL | RequestInfo): Promise<Response> => {
      if (!up) throw new TypeError('fetch failed (ECONNREFUSED)');
      const path = new URL(String(input)).pathname;
      if (path === '/api/v1/node') {
        calls++;
        return Response.json({ name: 'slave', role: 'slave', ports });
      }
      if (path === '/api/v1/streams') return Response.json({ items: [{ factory: 'raw', path: 'site1/cam1', publisher: { kind: 'rtmp' } }] });
      return new Response('no', { status: 404 });
    }) as typeof fetch,
    connectEvents: (o) => {
      if (!up) {
        queueMicrotask(() => o.onClose?.('ECONNREFUSED'));
        return { close() {} };
      }
      sockets.add(o);
      queueMicrotask(() => o.onOpen?.());
      return { close: () => void sockets.delete(o) };
    },
    kill() {
      up = false;
      for (const o of [...sockets]) {
        sockets.delete(o);
        o.onClose?.('socket closed');
      }
    },
    restart(p) {
      ports = p;
      up = true;
    },
    nodeCalls: () => calls,
  };
}

test('a killed upstream keeps the ports it announced (not the defaults) until it announces others', async (t) => {
  const clock = virtualTime(t);
  const first = { rtmp: 11935, rtspRaw: 18554, rtspCompressed: 18555 };
  const moved = { rtmp: 21935, rtspRaw: 28554, rtspCompressed: 28555 };
  const slave = killableUpstream(first);
  const reported: UpstreamPorts[] = [];
  let opened = 0;
  const w = new UpstreamWatch(
    { id: 'slave', apiUrl: 'http://slave.test:8080' },
    { pollIntervalMs: 10, requestTimeoutMs: 500, events: true },
    {
      fetch: slave.fetch,
      connectEvents: (o) => slave.connectEvents({ ...o, onOpen: () => (opened++, o.onOpen?.()) }),
      now: () => Date.now(), // the test's virtual clock
      log: silentLogger,
      onSnapshot: () => {},
      onPorts: (p) => reported.push(p),
    },
  );
  w.start();
  try {
    await clock.until(() => w.eventsConnected && w.ports.rtmp === first.rtmp, 'reachable, events open, ports announced', 2000);
    // Let the event socket live past one poll period, so its close triggers an immediate poll.
    await clock.advance(30);
    slave.kill();
    assert.equal(await clock.until(() => !w.snapshot.reachable, 'unreachable', 2000), 0, 'the closed event socket polled at once');
    // Many polls (10 ms apart) and retries while it is down: the ports stay the announced ones.
    for (let i = 0; i < 10; i++) {
      await clock.advance(10);
      assert.deepEqual(w.ports, { ...first, ...NO_TLS }, `poll ${i} while down`);
    }
    assert.deepEqual(reported, [{ ...first, ...NO_TLS }], 'never reported the defaults');

    // It comes back on other ports (a restart on port 0): they are learnt from its API.
    const callsBefore = slave.nodeCalls();
    slave.restart(moved);
    await clock.until(() => w.ports.rtmp === moved.rtmp, 'the new ports', 2000);
    assert.ok(slave.nodeCalls() > callsBefore);
    assert.deepEqual(reported, [{ ...first, ...NO_TLS }, { ...moved, ...NO_TLS }]);
    assert.ok(opened >= 2, 'events reconnected');
  } finally {
    w.close();
  }
});

test('an upstream that drops its event socket but stays up is asked for its node info again', async (t) => {
  const clock = virtualTime(t);
  const ports = { rtmp: 11935, rtspRaw: 18554, rtspCompressed: 18555 };
  const slave = killableUpstream(ports);
  const w = new UpstreamWatch(
    { id: 'slave', apiUrl: 'http://slave.test:8080' },
    { pollIntervalMs: 10, requestTimeoutMs: 500, events: true },
    { fetch: slave.fetch, connectEvents: slave.connectEvents, now: () => Date.now(), log: silentLogger, onSnapshot: () => {} },
  );
  w.start();
  try {
    await clock.until(() => w.eventsConnected, 'events open', 2000);
    await clock.advance(30);
    const calls = slave.nodeCalls();
    // Restarted faster than a poll period, on the same address, with new ports.
    slave.kill();
    slave.restart({ rtmp: 31935, rtspRaw: 38554, rtspCompressed: 38555 });
    await clock.until(() => w.ports.rtmp === 31935, 'the restarted upstream ports', 2000);
    assert.ok(slave.nodeCalls() > calls);
  } finally {
    w.close();
  }
});
