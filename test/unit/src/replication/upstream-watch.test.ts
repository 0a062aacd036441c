import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../../../src/log/logger.ts';
import type { UpstreamPorts } from '../../../../src/replication/upstream-api.ts';
import { UpstreamWatch } from '../../../../src/replication/upstream-watch.ts';
import type { EventSocketOptions } from '../../../../src/replication/ws/event-socket.ts';
import { waitFor } from '../../../helpers/server.ts';

/** An upstream API whose /api/v1/node fails `nodeFailures` times (timeouts), then answers. */
function fakeApi(nodeFailures: number, node: unknown = { ports: { rtmp: 11935, rtspRaw: 18554, rtspCompressed: 18555 } }): { fetch: typeof fetch; nodeCalls: () => number } {
  let calls = 0;
  const f = (async (input: URL | RequestInfo): Promise<Response> => {
    const path = new URL(String(input)).pathname;
    if (path === '/api/v1/node') {
      calls++;
      if (calls <= nodeFailures) throw new Error('The operation was aborted due to timeout');
      return node === null ? new Response('no', { status: 404 }) : Response.json(node);
    }
    if (path === '/api/v1/streams') return Response.json({ items: [] });
    return new Response('no', { status: 404 });
  }) as typeof fetch;
  return { fetch: f, nodeCalls: () => calls };
}

function watch(api: ReturnType<typeof fakeApi>, ports: UpstreamPorts[]): UpstreamWatch {
  return new UpstreamWatch(
    { id: 'slave', apiUrl: 'http://slave.test:8080' },
    { pollIntervalMs: 10, requestTimeoutMs: 500, events: true },
    {
      fetch: api.fetch,
      // The event stream stays connecting: only polls run.
      connectEvents: (_o: EventSocketOptions) => ({ close() {} }),
      now: Date.now,
      log: silentLogger,
      onSnapshot: () => {},
      onPorts: (p) => ports.push(p),
    },
  );
}

test('a node-info request that times out is asked again; the announced ports win over the defaults', async () => {
  const api = fakeApi(2);
  const ports: UpstreamPorts[] = [];
  const w = watch(api, ports);
  w.start();
  try {
    await waitFor(() => w.ports.rtmp === 11935, 2000, 'the announced ports', 5);
    assert.deepEqual(ports.at(-1), { rtmp: 11935, rtspRaw: 18554, rtspCompressed: 18555 });
    assert.equal(ports[0]?.rtmp, 1935, 'the defaults are reported while unknown');
    const calls = api.nodeCalls();
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(api.nodeCalls(), calls, 'once known (and the upstream reachable), node info is not asked at every poll');
  } finally {
    w.close();
  }
});

test('an upstream without /api/v1/node (404) keeps the configured ports and is not asked again', async () => {
  const api = fakeApi(0, null);
  const w = watch(api, []);
  w.start();
  try {
    await waitFor(() => w.snapshot.reachable, 2000, 'reachable', 5);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(api.nodeCalls(), 1);
    assert.equal(w.ports.rtmp, 1935);
  } finally {
    w.close();
  }
});
