/**
 * The dashboard over HTTPS in a real browser: headless Chromium (Debian's `chromium`) driven by
 * playwright-core, trusting exactly the certificate made at test time (openssl) through
 * --ignore-certificate-errors-spki-list (the SHA-256 of its public key), not by ignoring every
 * certificate error. A slave with --https and a camera publishing over rtmps:// (bundled ffmpeg 4.1,
 * built with tls/rtmps): the page (https://) shows the camera live with a bitrate from the WSS event
 * stream; a browser that does not trust the certificate gets a certificate error instead.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { killAllFfmpeg, runFfmpeg, syntheticCameraArgs } from '../helpers/ffmpeg.ts';
import { startServer, type ServerProcess } from '../helpers/server.ts';
import { makeTestCertificate, opensslMissing } from '../helpers/tls-cert.ts';

const CHROMIUM = process.env.CUPOLA_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];
const skip = !existsSync(CHROMIUM)
  ? `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium; .ci/run does) or set CUPOLA_CHROMIUM`
  : (opensslMissing() ?? false);

const CAMERA = 'site1/cam1';

describe('dashboard over HTTPS in headless Chromium', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cupola-dashboard-https-'));
  let server: ServerProcess | undefined;
  const browsers: Browser[] = [];

  after(async () => {
    for (const b of browsers) await b.close();
    await killAllFfmpeg();
    await server?.stop();
  });

  it('loads from https:// with the test certificate trusted, shows the RTMPS camera live over WSS; an untrusting browser is refused', { skip }, async (t) => {
    const cert = makeTestCertificate();
    server = await startServer({ args: ['--no-compress', '--https', '--rtmps-port', '0', '--tls-cert', cert.certFile, '--tls-key', cert.keyFile] });
    const origin = `https://127.0.0.1:${server.ports.api}`;
    runFfmpeg(syntheticCameraArgs(`rtmps://127.0.0.1:${server.ports.rtmps}/${CAMERA}`, { size: '320x240', fps: 15, gop: 15 }));

    const trusting = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, `--ignore-certificate-errors-spki-list=${cert.spkiSha256}`], timeout: 30_000 });
    browsers.push(trusting);
    const page = await trusting.newPage({ viewport: { width: 1280, height: 720 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(`console: ${m.text()}`);
    });
    await page.goto(`${origin}/`, { waitUntil: 'load', timeout: 15_000 });
    assert.equal(new URL(page.url()).protocol, 'https:');
    const card = `[data-camera="${CAMERA}"]`;
    await page.waitForFunction(
      (sel) => {
        const c = document.querySelector<HTMLElement>(sel);
        return c?.dataset.live === 'true' && /\d/.test(c.querySelector('.bitrate-raw')?.textContent ?? '');
      },
      card,
      { timeout: 30_000 },
    );
    // The event stream is up over wss:// (the page derives it from https:).
    await page.waitForFunction(() => document.querySelector('#conn')?.textContent === 'live', undefined, { timeout: 15_000 });
    await page.screenshot({ path: join(dir, 'dashboard-https.png') });
    assert.deepEqual(pageErrors, []);

    const untrusting = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    browsers.push(untrusting);
    const refused = await untrusting.newPage();
    const err = await refused.goto(`${origin}/`, { timeout: 15_000 }).then(() => null, (e: Error) => e.message);
    assert.match(err ?? 'loaded', /ERR_CERT/, 'a browser without the certificate trusted gets a certificate error');
    t.diagnostic(`screenshot in ${dir}`);
  });
});
