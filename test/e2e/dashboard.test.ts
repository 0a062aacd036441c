/**
 * The dashboard in a real browser: headless Chromium (Debian's `chromium`) driven by playwright-core.
 * A slave with one publishing camera; the page must show it live with a bitrate and a thumbnail,
 * then show it offline once the camera stops, without a reload. Screenshots go to the test's temp dir.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { runFfmpeg, syntheticCameraArgs, type FfmpegRun } from '../helpers/ffmpeg.ts';
import { startServer, waitFor, type ServerProcess } from '../helpers/server.ts';

const CHROMIUM = process.env.CUPOLA_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];
const skip = existsSync(CHROMIUM)
  ? false
  : `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium; .ci/run does) or set CUPOLA_CHROMIUM`;

const CAMERA = 'site1/cam1';

interface StreamItem {
  factory: string;
  path: string;
  publisher: unknown;
}

describe('dashboard in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cupola-dashboard-'));
  let server: ServerProcess | undefined;
  let camera: FfmpegRun | undefined;
  let browser: Browser | undefined;

  after(async () => {
    await browser?.close();
    await camera?.stop();
    await server?.stop();
  });

  // skipped per test, not per suite: node:test's summary counts skipped tests only
  it('shows a live camera with bitrate and thumbnail, then offline when it stops, without a reload', { skip }, async (t) => {
    server = await startServer();
    camera = runFfmpeg(syntheticCameraArgs(server.rtmpUrl(CAMERA), { size: '320x240', fps: 15, gop: 15 }));
    const s = server;
    await waitFor(
      async () => {
        const res = await fetch(s.apiUrl('/api/v1/streams?factory=raw'));
        const body = (await res.json()) as { items: StreamItem[] };
        return body.items.some((i) => i.path === CAMERA && i.publisher !== null);
      },
      20_000,
      `${CAMERA} live in the API`,
      200,
    );

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      // Network errors (a 404 from an optional listing, a 503 while no thumbnail exists yet) are expected.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(`console: ${m.text()}`);
    });
    await page.goto(server.apiUrl('/'), { waitUntil: 'load', timeout: 15_000 });

    const card = `[data-camera="${CAMERA}"]`;
    await page.waitForFunction(
      (sel) => {
        const c = document.querySelector<HTMLElement>(sel);
        return c?.dataset.live === 'true' && /\d/.test(c.querySelector('.bitrate-raw')?.textContent ?? '');
      },
      card,
      { timeout: 20_000 },
    );
    assert.equal(await page.textContent(`${card} .b-live`), 'live');
    assert.match((await page.textContent(`${card} .bitrate-raw`)) ?? '', /^\d+(\.\d+)? (k|M)bit\/s$/);
    assert.match((await page.textContent(`${card} .media`)) ?? '', /H264 320×240/);

    await page.waitForFunction((sel) => (document.querySelector<HTMLImageElement>(`${sel} img.thumb`)?.naturalWidth ?? 0) > 0, card, { timeout: 30_000 });
    const width = await page.$eval(`${card} img.thumb`, (img) => (img as HTMLImageElement).naturalWidth);
    assert.ok(width > 0 && width <= 320, `thumbnail width ${width}`);
    await page.screenshot({ path: join(dir, 'dashboard-live.png') });

    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));
    await camera.stop();
    await page.waitForFunction(
      (sel) => {
        const c = document.querySelector<HTMLElement>(sel);
        return c?.dataset.live === 'false' && c.querySelector('.b-live')?.textContent === 'offline';
      },
      card,
      { timeout: 30_000 },
    );
    assert.deepEqual(navigations, [], 'the page was not reloaded');
    await page.screenshot({ path: join(dir, 'dashboard-offline.png') });
    assert.deepEqual(pageErrors, []);
    t.diagnostic(`screenshots in ${dir}`);
  });

  // skipped per test, not per suite: node:test's summary counts skipped tests only
  it('asks for the API token when the node requires one, then keeps it', { skip }, async () => {
    const token = 'dashboard-test-token';
    const secured = await startServer({ args: ['--api-token', token] });
    try {
      browser ??= await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await page.goto(secured.apiUrl('/'), { waitUntil: 'load', timeout: 15_000 });
      await page.waitForSelector('#token-dialog[open]', { timeout: 15_000 });
      await page.fill('#token-input', 'wrong');
      await page.click('#token-form button[type=submit]');
      // A refused token brings the dialog back, saying so.
      await page.waitForSelector('#token-dialog[open] #token-error:not([hidden])', { timeout: 15_000 });
      await page.fill('#token-input', token);
      await page.click('#token-form button[type=submit]');
      // The embedded default catalog lists site1/cam1..cam5: they appear once the API answers.
      await page.waitForSelector('[data-camera="site1/cam1"]', { timeout: 15_000 });
      await page.waitForFunction(() => document.querySelector('#conn')?.textContent === 'live', undefined, { timeout: 15_000 });
      assert.equal(await page.evaluate(() => localStorage.getItem('cupola.apiToken')), token);
      await page.screenshot({ path: join(dir, 'dashboard-token.png') });
      await page.close();
    } finally {
      await secured.stop();
    }
  });

  it('shows a pulled camera\'s source state and last error, never its password', { skip }, async () => {
    const node = await startServer({ args: ['--no-compress'] });
    try {
      // Nothing listens on port 1 of 127.0.0.1: the source fails and keeps retrying.
      const put = await fetch(node.apiUrl('/api/v1/cameras'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'site1/pulled', source: 'rtsp://viewer:Hidden-pw1@127.0.0.1:1/stream', sourceTransport: 'tcp' }),
      });
      assert.equal(put.status, 201);
      browser ??= await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await page.goto(node.apiUrl('/'), { waitUntil: 'load', timeout: 15_000 });
      const card = '[data-camera="site1/pulled"]';
      await page.waitForFunction((sel) => /^source (failed|connecting)$/.test(document.querySelector(`${sel} .b-src`)?.textContent ?? ''), card, { timeout: 20_000 });
      await page.waitForFunction((sel) => /ECONNREFUSED/.test(document.querySelector(`${sel} .media`)?.textContent ?? ''), card, { timeout: 20_000 });
      assert.equal(await page.$eval(`${card} .b-src`, (b) => (b as HTMLElement).hidden), false);
      // A pushing camera of the default catalog shows no source badge.
      assert.equal(await page.$eval('[data-camera="site1/cam1"] .b-src', (b) => (b as HTMLElement).hidden), true);
      assert.ok(!(await page.content()).includes('Hidden-pw1'), 'the password is not on the page');
      await page.screenshot({ path: join(dir, 'dashboard-source.png') });
      await page.close();
    } finally {
      await node.stop();
    }
  });
});
