/**
 * The API over HTTPS (uWebSockets.js SSLApp) in-process with a certificate made at test time: JSON
 * and the wss:// event stream through our own clients (fetchTrusting, connectEventSocket) verifying
 * the certificate; a renewal re-listens on the same port with the new certificate while the event
 * socket opened before keeps receiving events until the drain period closes it (then it reconnects).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { TlsCertificate } from '../../../../src/net/tls-certificate.ts';
import { silentLogger } from '../../../../src/log/logger.ts';
import { fetchTrusting } from '../../../../src/replication/tls-fetch.ts';
import { connectEventSocket } from '../../../../src/replication/ws/event-socket.ts';
import { waitFor } from '../../../helpers/server.ts';
import { makeTestCertificate, opensslMissing, renewTestCertificate, type TestCertificate } from '../../../helpers/tls-cert.ts';
import { startFixture, TOKEN, type Fixture } from './fixture.ts';

const skip = opensslMissing() ?? false;

function peerFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.destroy();
    });
    s.on('error', reject);
  });
}

describe('API over HTTPS', { timeout: 60_000 }, () => {
  let pem: TestCertificate;
  let cert: TlsCertificate;
  let f: Fixture;

  before(async () => {
    if (skip !== false) return;
    pem = makeTestCertificate();
    cert = await TlsCertificate.open({ certFile: pem.certFile, keyFile: pem.keyFile, watchIntervalMs: 50, settleMs: 20, log: silentLogger });
    f = await startFixture({ token: TOKEN, tls: cert, renewalDrainMs: 800 });
  });
  after(async () => {
    if (skip !== false) return;
    await f.close();
    cert.close();
  });

  it('answers over HTTPS, plain HTTP gets nothing; a client without the CA is refused', { skip }, async () => {
    const res = await fetchTrusting({ ca: pem.certPem })(`https://127.0.0.1:${f.port}/api/v1/node`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { name: string }).name, 'slave1');
    await assert.rejects(fetch(`http://127.0.0.1:${f.port}/healthz`, { signal: AbortSignal.timeout(3000) }));
    await assert.rejects(fetchTrusting({})(`https://127.0.0.1:${f.port}/healthz`), /self.signed|certificate/i);
  });

  it('a renewal re-listens with the new certificate; the event socket from before keeps its events until the drain closes it', { skip }, async () => {
    const events: unknown[] = [];
    let closedReason: string | null = null;
    let opened = false;
    const ws = connectEventSocket({
      url: `https://127.0.0.1:${f.port}/api/v1/events`,
      token: TOKEN,
      tls: { ca: pem.certPem },
      onOpen: () => (opened = true),
      onEvent: (e) => events.push(e),
      onClose: (r) => (closedReason = r),
    });
    try {
      await waitFor(() => opened && events.length >= 1, 5000, 'the snapshot over wss://', 20);
      const renewed = renewTestCertificate(pem, 'renewed.localhost');
      await waitFor(async () => (await peerFingerprint(f.port)) === renewed.fingerprint256, 5000, 'the renewed certificate on the same port', 20);
      f.bus.publish({ type: 'stream.down', factory: 'raw', path: 'site1/cam1' });
      await waitFor(() => events.some((e) => (e as { type?: string }).type === 'stream.down'), 2000, 'an event on the socket opened before the renewal', 20);
      assert.equal(closedReason, null, 'not closed by the renewal itself');
      await waitFor(() => closedReason !== null, 5000, 'the drained socket closed', 20);
      const res = await fetchTrusting({ ca: renewed.certPem })(`https://127.0.0.1:${f.port}/healthz`);
      assert.equal(res.status, 200);
      pem = renewed;
    } finally {
      ws.close();
    }
  });
});
