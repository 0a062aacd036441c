/**
 * Self-signed certificates made at test time with the openssl CLI (node:crypto cannot self-sign):
 * CN and subjectAltName for 127.0.0.1 and localhost, valid one day. `openssl` missing is reported as
 * a reason to skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, renameSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly certPem: string;
  /** SHA-256 fingerprint as node prints it (AA:BB:...). */
  readonly fingerprint256: string;
  /** base64 SHA-256 of the SubjectPublicKeyInfo: Chromium's --ignore-certificate-errors-spki-list. */
  readonly spkiSha256: string;
}

/** Why certificates cannot be made here, or null when openssl works. */
export function opensslMissing(): string | null {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'the openssl CLI is not installed (needed to make a test certificate)';
}

/** Makes a key and self-signed certificate in `dir` (a new temp dir by default) as cert.pem / key.pem. */
export function makeTestCertificate(o: { cn?: string; dir?: string } = {}): TestCertificate {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'cupola-tls-'));
  return writeCertificate(dir, 'cert.pem', 'key.pem', o.cn ?? 'localhost');
}

function writeCertificate(dir: string, certName: string, keyName: string, cn: string): TestCertificate {
  const certFile = join(dir, certName);
  const keyFile = join(dir, keyName);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-days', '1'],
    { stdio: 'ignore' },
  );
  return describeCertificate(certFile, keyFile);
}

export function describeCertificate(certFile: string, keyFile: string): TestCertificate {
  const certPem = readFileSync(certFile, 'utf8');
  const x = new X509Certificate(certPem);
  const spki = x.publicKey.export({ type: 'spki', format: 'der' });
  return { certFile, keyFile, certPem, fingerprint256: x.fingerprint256, spkiSha256: createHash('sha256').update(spki).digest('base64') };
}

/**
 * Renews `cert` in place the way certbot and friends do: a new key and certificate (another CN)
 * written beside the old files and renamed over them (new inodes, each file replaced atomically).
 */
export function renewTestCertificate(cert: TestCertificate, cn: string): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'cupola-tls-renew-'));
  const next = writeCertificate(dir, 'cert.pem', 'key.pem', cn);
  const tmpCert = `${cert.certFile}.new`;
  const tmpKey = `${cert.keyFile}.new`;
  writeFileSync(tmpCert, readFileSync(next.certFile));
  writeFileSync(tmpKey, readFileSync(next.keyFile));
  renameSync(tmpKey, cert.keyFile);
  renameSync(tmpCert, cert.certFile);
  return describeCertificate(cert.certFile, cert.keyFile);
}
