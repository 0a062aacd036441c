/**
 * The node's certificate (issue 14): loaded at start (a pair that does not match is refused with the
 * file names), re-read when the files change (renewal by rename, as certbot does), subscribers told;
 * a half-done renewal (new certificate, old key) keeps the pair in use until the files agree.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { copyFileSync, renameSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { TlsCertificate } from '../../../../src/net/tls-certificate.ts';
import { silentLogger } from '../../../../src/log/logger.ts';
import { waitFor } from '../../../helpers/server.ts';
import { makeTestCertificate, opensslMissing, renewTestCertificate } from '../../../helpers/tls-cert.ts';

const skip = opensslMissing() ?? false;

describe('TlsCertificate', () => {
  const opened: TlsCertificate[] = [];
  after(() => opened.forEach((c) => c.close()));
  const open = async (certFile: string, keyFile: string): Promise<TlsCertificate> => {
    const c = await TlsCertificate.open({ certFile, keyFile, watchIntervalMs: 50, settleMs: 20, log: silentLogger });
    opened.push(c);
    return c;
  };

  it('refuses at start a key that is not the certificate\'s, naming both files', { skip }, async () => {
    const a = makeTestCertificate();
    const b = makeTestCertificate();
    await assert.rejects(open(a.certFile, b.keyFile), (err: Error) => err.message.includes(a.certFile) && err.message.includes(b.keyFile));
    await assert.rejects(open(join(dirname(a.certFile), 'missing.pem'), a.keyFile), /cannot read TLS certificate/);
  });

  it('follows a renewal by rename: new fingerprint, subscribers told once per change', { skip }, async () => {
    const first = makeTestCertificate();
    const cert = await open(first.certFile, first.keyFile);
    assert.equal(cert.fingerprint256, first.fingerprint256);
    let changes = 0;
    cert.onChange(() => changes++);
    const renewed = renewTestCertificate(first, 'renewed.localhost');
    await waitFor(() => cert.fingerprint256 === renewed.fingerprint256, 5000, 'the renewed certificate', 20);
    assert.equal(changes, 1);
    assert.equal(await cert.reload(), false, 'reading unchanged files again is not a change');
  });

  it('keeps the current pair while only the certificate was replaced, and takes the pair once the key follows', { skip }, async () => {
    const first = makeTestCertificate();
    const next = makeTestCertificate({ cn: 'next.localhost' });
    const cert = await open(first.certFile, first.keyFile);
    copyFileSync(next.certFile, `${first.certFile}.tmp`);
    renameSync(`${first.certFile}.tmp`, first.certFile);
    assert.equal(await cert.reload(), false, 'new certificate with the old key is not applied');
    assert.equal(cert.fingerprint256, first.fingerprint256);
    copyFileSync(next.keyFile, `${first.keyFile}.tmp`);
    renameSync(`${first.keyFile}.tmp`, first.keyFile);
    await waitFor(() => cert.fingerprint256 === next.fingerprint256, 5000, 'the pair once the key follows', 20);
  });
});
