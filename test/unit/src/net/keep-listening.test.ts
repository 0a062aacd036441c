/**
 * keepListening with a real RTMP listener on 127.0.0.1: a port held by another program does not fail
 * the start; the bind is retried with backoff, readiness names the listener down, and it comes up as
 * soon as the port is free.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { keepListening, listenersReadiness } from '../../../../src/net/keep-listening.ts';
import { startRtmpListener, type RtmpListener } from '../../../../src/rtmp/server/rtmp-listener.ts';
import { createLogger, type LogFields } from '../../../../src/log/logger.ts';
import { StreamRegistry } from '../../../../src/streams/registry.ts';
import { waitFor } from '../../../helpers/server.ts';

const BACKOFF = { initialMs: 20, maxMs: 100, jitter: 0 };

async function holdPort(): Promise<{ port: number; release(): Promise<void> }> {
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  return { port: (holder.address() as net.AddressInfo).port, release: () => new Promise<void>((resolve) => holder.close(() => resolve())) };
}

/** A logger that keeps every record (message + fields). */
function recordingLogger(): { log: ReturnType<typeof createLogger>; records: { msg: string; fields: LogFields }[] } {
  const records: { msg: string; fields: LogFields }[] = [];
  const log = createLogger('debug', {
    write: (line: string) => {
      const r = JSON.parse(line) as LogFields & { msg: string };
      records.push({ msg: r.msg, fields: r });
    },
  });
  return { log, records };
}

describe('keepListening', () => {
  it('binds at the first try like the listener itself', async () => {
    const { log, records } = recordingLogger();
    const k = await keepListening(() => startRtmpListener({ port: 0, host: '127.0.0.1' }, { registry: new StreamRegistry('raw'), log }), {
      name: 'rtmp', address: '127.0.0.1:0', backoff: BACKOFF, log,
    });
    try {
      assert.ok(k.current !== null && k.current.port > 0);
      assert.equal(k.down, null);
      assert.doesNotThrow(listenersReadiness(() => [k]));
      assert.equal(records.filter((r) => r.msg.startsWith('listener')).length, 0);
    } finally {
      await k.close();
    }
  });

  it('retries a taken port with backoff, reports it down, and comes up once the port is free', async () => {
    const held = await holdPort();
    const { log, records } = recordingLogger();
    let ups = 0;
    let attempts = 0;
    const k = await keepListening(
      () => {
        attempts++;
        return startRtmpListener({ port: held.port, host: '127.0.0.1' }, { registry: new StreamRegistry('raw'), log });
      },
      { name: 'rtmp', address: `127.0.0.1:${held.port}`, backoff: BACKOFF, log, onUp: () => ups++ },
    );
    try {
      assert.equal(k.current, null, 'start-up does not fail: the listener is down');
      assert.match(k.down ?? '', /EADDRINUSE/);
      assert.throws(listenersReadiness(() => [k]), /down: rtmp \(.*EADDRINUSE.*retrying in \d+ ms\)/);
      await waitFor(() => attempts >= 4, 5000, 'several retries');
      const failures = records.filter((r) => r.msg.startsWith('listener cannot bind'));
      assert.ok(failures.length >= 3, `every failure logged (${failures.length})`);
      // Capped exponential: 20, 40, 80, 100, 100 ... ms.
      assert.deepEqual(failures.slice(0, 4).map((r) => r.fields.retryInMs), [20, 40, 80, 100]);
      assert.equal(ups, 0);

      await held.release();
      const up = await waitFor(() => k.current, 5000, 'the listener bound once the port is free');
      assert.equal(up.port, held.port);
      assert.equal(ups, 1);
      assert.equal(k.down, null);
      assert.doesNotThrow(listenersReadiness(() => [k]));
      assert.ok(records.some((r) => r.msg === 'listener bound' && r.fields.listener === 'rtmp'));
      // It serves: a TCP connect reaches it.
      const c = net.connect(held.port, '127.0.0.1');
      await new Promise<void>((resolve, reject) => c.once('connect', resolve).once('error', reject));
      c.destroy();
    } finally {
      await k.close();
    }
  });

  it('stops retrying when closed', async () => {
    const held = await holdPort();
    const { log } = recordingLogger();
    let attempts = 0;
    const bound: RtmpListener[] = [];
    const k = await keepListening(
      async () => {
        attempts++;
        const l = await startRtmpListener({ port: held.port, host: '127.0.0.1' }, { registry: new StreamRegistry('raw'), log });
        bound.push(l);
        return l;
      },
      { name: 'rtmp', address: `127.0.0.1:${held.port}`, backoff: BACKOFF, log },
    );
    await k.close();
    const after = attempts;
    await held.release();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(attempts, after, 'no bind after close');
    assert.equal(bound.length, 0);
  });

  it('names every listener down', () => {
    const fake = (name: string, down: string | null) => ({ name, current: null, down, failures: down === null ? 0 : 1, close: async () => {} });
    assert.throws(listenersReadiness(() => [fake('rtmp', 'x'), fake('rtsp-raw', null), fake('api', 'y')]), { message: 'down: rtmp (x), api (y)' });
  });
});
