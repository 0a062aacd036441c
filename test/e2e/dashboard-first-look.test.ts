/**
 * Issue 16.8: the dashboard as a new operator meets it, in headless Chromium at 1400 px. A link with
 * `?token=` logs in without the prompt (and the token leaves the address bar); the page says it is
 * loading, never "No cameras yet", before its first data; no card text or URL box is cut off.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { killAllFfmpeg, runFfmpeg, syntheticCameraArgs } from '../helpers/ffmpeg.ts';
import { startServer, stopAllServers, waitFor } from '../helpers/server.ts';

const CHROMIUM = process.env.CUPOLA_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const skip = existsSync(CHROMIUM)
  ? false
  : `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium; .ci/run does) or set CUPOLA_CHROMIUM`;

const TOKEN = 'first-look-token';
const CAMERA = 'site1/cam1';

describe('dashboard first look', { timeout: 120_000 }, () => {
  let browser: Browser | undefined;
  after(async () => {
    await browser?.close();
    await killAllFfmpeg();
    await stopAllServers();
  });

  // skipped per test, not per suite: node:test's summary counts skipped tests only
  it('takes ?token=, shows loading before data, and cuts nothing at 1400 px', { skip }, async () => {
    const server = await startServer({ args: ['--api-token', TOKEN, '--no-compress'] });
    runFfmpeg(syntheticCameraArgs(server.rtmpUrl(CAMERA), { size: '320x240', fps: 15, gop: 15, audio: false }));
    await waitFor(async () => {
      const res = await fetch(server.apiUrl('/api/v1/streams?factory=raw'), { headers: { authorization: `Bearer ${TOKEN}` } });
      return ((await res.json()) as { items: { path: string; publisher: unknown }[] }).items.some((i) => i.path === CAMERA && i.publisher !== null);
    }, 30_000, 'the camera live');

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // What the page says before any data arrived (the catalog has cameras: site1/cam1..cam5).
    await page.addInitScript(() => {
      document.addEventListener('DOMContentLoaded', () => {
        const e = document.getElementById('empty');
        (window as unknown as { firstEmpty: string }).firstEmpty = e && !e.hidden ? (e.textContent ?? '') : '';
      });
    });
    await page.goto(server.apiUrl(`/?token=${TOKEN}`), { waitUntil: 'load', timeout: 15_000 });
    const first = await page.evaluate(() => (window as unknown as { firstEmpty: string }).firstEmpty);
    assert.doesNotMatch(first, /No cameras yet/, 'not "No cameras yet" before the first data');
    await page.waitForFunction(() => document.querySelector('#conn')?.textContent === 'live', undefined, { timeout: 15_000 });
    assert.equal(await page.$('#token-dialog[open]'), null, 'no token prompt');
    assert.doesNotMatch(page.url(), /token=/, 'the token left the address bar');
    assert.equal(await page.evaluate(() => localStorage.getItem('cupola.apiToken')), TOKEN);
    assert.equal(await page.isHidden('#empty'), true);

    const card = `[data-camera="${CAMERA}"]`;
    await page.waitForFunction((sel) => /\d/.test(document.querySelector(`${sel} .bitrate-raw`)?.textContent ?? ''), card, { timeout: 20_000 });
    const cut = (selector: string): Promise<string[]> =>
      page.$$eval(selector, (els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => `${e.className || e.tagName}: "${(e as HTMLInputElement).value ?? e.textContent}" ${e.scrollWidth} > ${e.clientWidth}`));
    assert.deepEqual(await cut(`${card} .rates dt, ${card} .rates dd`), [], 'rates and their headers fit');
    await page.click(`${card} .urls summary`);
    await page.waitForSelector(`${card} .url-row input`, { timeout: 10_000 });
    const urls = await page.$$eval(`${card} .url-row input`, (els) => els.map((e) => (e as HTMLInputElement).value));
    assert.ok(urls.some((u) => u.startsWith('rtmp://')), `URLs shown: ${urls.join(', ')}`);
    assert.deepEqual(await cut(`${card} .url-row input`), [], 'every URL fits its box');
    await page.close();
  });

  // skipped per test, not per suite: node:test's summary counts skipped tests only
  it('says "No cameras yet" once the data shows an empty catalog', { skip }, async () => {
    const server = await startServer({ args: ['--no-compress'] });
    for (const id of ['site1/cam1', 'site1/cam2', 'site1/cam3', 'site1/cam4', 'site1/cam5']) {
      const res = await fetch(server.apiUrl(`/api/v1/cameras/${id}`), { method: 'DELETE' });
      assert.ok(res.ok || res.status === 404, `DELETE ${id}: ${res.status}`);
    }
    browser ??= await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(server.apiUrl('/'), { waitUntil: 'load', timeout: 15_000 });
    await page.waitForFunction(() => /No cameras yet/.test(document.querySelector('#empty')?.textContent ?? ''), undefined, { timeout: 15_000 });
    assert.equal(await page.isVisible('#empty'), true);
    await page.close();
  });
});
