/**
 * TLS for interop tests: a throw-away self-signed certificate for 127.0.0.1 (made with the openssl
 * command) and a TLS-terminating TCP proxy in front of a plain listener, so rtsps:// and rtmps://
 * clients can be tested against servers that only speak plain RTSP/RTMP. Port 0, closed by close().
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

export interface TestCert {
  readonly certPath: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Why a certificate cannot be made here, or null. */
export function opensslSkipReason(): string | null {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8', timeout: 10_000 });
  return r.error !== undefined || r.status !== 0 ? 'the openssl command is not available (apt-get install -y openssl)' : null;
}

export function selfSignedCert(): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'cupola-cert-'));
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { certPath, cert: readFileSync(certPath), key: readFileSync(keyPath) };
}

export interface TlsProxy {
  readonly port: number;
  close(): Promise<void>;
}

export async function startTlsProxy(cert: TestCert, targetPort: number): Promise<TlsProxy> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ cert: cert.cert, key: cert.key }, (client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  // A client refusing the certificate shows here as a TLS error on that connection only.
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
