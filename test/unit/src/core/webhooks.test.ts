import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { EventBus, type ApiEvent } from '../../../../src/core/events.ts';
import { WebhookDispatcher } from '../../../../src/core/webhooks.ts';
import { parseSettings } from '../../../../src/config/settings.ts';
import { until as waitUntil } from '../../../helpers/wait.ts';

function webhook(url: string, extra: Record<string, unknown> = {}) {
  return parseSettings({ api: { webhooks: [{ url, ...extra }] } }).api.webhooks[0]!;
}

/** A receiver on port 0 that fails the first `failures` requests with 500. */
async function receiver(failures: number) {
  const got: { body: ApiEvent; auth: string | undefined }[] = [];
  const waiters: (() => void)[] = [];
  let n = 0;
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (n++ < failures) {
        res.writeHead(500).end();
        return;
      }
      got.push({ body: JSON.parse(Buffer.concat(chunks).toString()) as ApiEvent, auth: req.headers.authorization });
      res.writeHead(204).end();
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    got,
    async waitFor(count: number): Promise<void> {
      const deadline = Date.now() + 5000;
      while (got.length < count) {
        if (Date.now() > deadline) throw new Error(`only ${got.length} deliveries`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Polls a condition the dispatcher reaches asynchronously (no event exposes it), bounded in time. */
const until = (pred: () => boolean, what: string): Promise<void> => waitUntil(pred, what, 3000, 5);

describe('WebhookDispatcher', () => {
  it('posts every event in order with the bearer token, retrying failures', async () => {
    const rx = await receiver(2);
    const bus = new EventBus();
    const d = new WebhookDispatcher({ webhooks: [webhook(rx.url, { token: 'hook-secret' })], bus, initialBackoffMs: 10, maxBackoffMs: 20 });
    try {
      bus.publish({ type: 'stream.down', factory: 'raw', path: 'site1/cam1' });
      bus.publish({ type: 'stream.down', factory: 'raw', path: 'site1/cam2' });
      await rx.waitFor(2);
      assert.deepEqual(rx.got.map((g) => g.body.seq), [1, 2]);
      assert.equal(rx.got[0]!.auth, 'Bearer hook-secret');
      await until(() => d.stats()[0]!.delivered === 2, 'delivered count');
      assert.deepEqual(d.stats()[0], { url: rx.url, queued: 0, delivered: 2, dropped: 0, failedAttempts: 2 });
    } finally {
      d.close();
      await rx.close();
    }
  });

  it('signs each attempt with HMAC-SHA256 over "<timestamp>.<raw body>"; a receiver that verifies it sees the retry', async () => {
    const secret = 'a-webhook-secret-of-some-length';
    // The receiver does what docs/operations.md tells operators to do, with node:crypto only.
    const attempts: { raw: string; timestamp: string; signature: string; valid: boolean }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const timestamp = String(req.headers['x-cupola-timestamp'] ?? '');
        const signature = String(req.headers['x-cupola-signature'] ?? '');
        const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex')}`);
        const got = Buffer.from(signature);
        const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
        const valid = fresh && got.length === expected.length && timingSafeEqual(got, expected);
        attempts.push({ raw, timestamp, signature, valid });
        // First attempt refused (as a receiver that is restarting would); then 401 for a bad signature.
        res.writeHead(attempts.length === 1 ? 503 : valid ? 204 : 401).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const bus = new EventBus();
    const d = new WebhookDispatcher({ webhooks: [webhook(url, { secret, maxAttempts: 3 })], bus, initialBackoffMs: 1100, maxBackoffMs: 1100, random: () => 0.5 });
    try {
      bus.publish({ type: 'stream.down', factory: 'raw', path: 'site1/cam1' });
      await until(() => d.stats()[0]!.delivered === 1 || d.stats()[0]!.dropped === 1, 'delivery');
      assert.equal(d.stats()[0]!.delivered, 1, 'delivered on the second attempt');
      assert.equal(attempts.length, 2);
      assert.ok(attempts.every((a) => a.valid), 'every attempt carries a valid signature');
      assert.equal(attempts[0]!.raw, attempts[1]!.raw, 'same body on the retry');
      // Each attempt has its own timestamp (1.1 s backoff), hence its own signature.
      assert.notEqual(attempts[0]!.timestamp, attempts[1]!.timestamp);
      assert.notEqual(attempts[0]!.signature, attempts[1]!.signature);
      assert.equal((JSON.parse(attempts[1]!.raw) as ApiEvent).type, 'stream.down');
    } finally {
      d.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('sends no signature headers without a secret, and refuses a short secret', async () => {
    const rx = await receiver(0);
    let headers: IncomingMessage['headers'] | undefined;
    const bus = new EventBus();
    const d = new WebhookDispatcher({
      webhooks: [webhook(rx.url)],
      bus,
      fetch: async (input, init) => {
        headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>));
        return fetch(input, init);
      },
    });
    try {
      bus.publish({ type: 'stream.down', factory: 'raw', path: 'site1/cam1' });
      await rx.waitFor(1);
      assert.equal(headers?.['x-cupola-signature'], undefined);
      assert.equal(headers?.['x-cupola-timestamp'], undefined);
    } finally {
      d.close();
      await rx.close();
    }
    assert.throws(() => webhook(rx.url, { secret: 'short' }), /secret/);
  });

  it('filters by event type and drops an event after maxAttempts', async () => {
    const rx = await receiver(2);
    const bus = new EventBus();
    const d = new WebhookDispatcher({ webhooks: [webhook(rx.url, { events: ['stream.up'], maxAttempts: 2 })], bus, initialBackoffMs: 5 });
    try {
      bus.publish({ type: 'stream.down', factory: 'raw', path: 'ignored' });
      bus.publish({ type: 'stream.up', stream: { path: 'a' } as never }); // fails twice: dropped
      bus.publish({ type: 'stream.up', stream: { path: 'b' } as never });
      await rx.waitFor(1);
      assert.equal((rx.got[0]!.body as { stream: { path: string } }).stream.path, 'b');
      await until(() => d.stats()[0]!.delivered === 1, 'delivered count');
      assert.equal(d.stats()[0]!.dropped, 1);
    } finally {
      d.close();
      await rx.close();
    }
  });

  it('never blocks the publisher and bounds the queue of an unreachable target', () => {
    const bus = new EventBus();
    let calls = 0;
    const hang: typeof fetch = () => {
      calls++;
      return new Promise(() => {}); // never answers
    };
    const d = new WebhookDispatcher({ webhooks: [webhook('http://192.0.2.1/hook')], bus, fetch: hang, maxQueue: 3 });
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) bus.publish({ type: 'stream.down', factory: 'raw', path: `p${i}` });
    assert.ok(performance.now() - t0 < 50);
    const s = d.stats()[0]!;
    assert.equal(calls, 1);
    assert.equal(s.queued, 3);
    assert.equal(s.dropped, 6); // 1 in flight, 3 queued, 6 dropped
    d.close();
  });
});
