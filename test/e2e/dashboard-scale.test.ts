/**
 * The dashboard with 50 live cameras, in headless Chromium (as dashboard.test.ts): an in-process API
 * server over a real file store with 50 cameras and a StreamsView listing all of them live. Every
 * camera gets one card; thumbnails are fetched only for cards on screen and never more than four at
 * a time; a stream.down event turns one card offline without touching the others or reloading.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { chromium, type Browser } from 'playwright-core';
import type { SnapshotResult } from '../../src/snapshots/snapshot-service.ts';
import { startFixture, streamInfo, type Fixture } from '../unit/src/api/fixture.ts';

const CHROMIUM = process.env.CUPOLA_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const skip = existsSync(CHROMIUM)
  ? false
  : `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium; .ci/run does) or set CUPOLA_CHROMIUM`;
const DASHBOARD = fileURLToPath(new URL('../../src/dashboard', import.meta.url));
const N = 50;
const ids = Array.from({ length: N }, (_, i) => `yard/cam${String(i + 1).padStart(2, '0')}`);

/** A 32x18 JPEG from the bundled ffmpeg. */
function tinyJpeg(): Buffer {
  const r = spawnSync(ffmpegInstaller.path, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=c=teal:s=32x18', '-frames:v', '1', '-f', 'image2pipe', '-vcodec', 'mjpeg', '-'], { timeout: 15_000 });
  assert.equal(r.status, 0, String(r.stderr));
  return r.stdout;
}

describe('dashboard with 50 cameras in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cupola-dashboard-50-'));
  let f: Fixture;
  let browser: Browser | undefined;
  const asked = new Set<string>();
  let inFlight = 0;
  let maxInFlight = 0;

  before(async () => {
    const jpeg = tinyJpeg();
    const snapshots = {
      async get(id: string): Promise<SnapshotResult> {
        asked.add(id);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        // Answer after a moment so that concurrent requests would overlap here if the page sent them.
        await new Promise((r) => setTimeout(r, 100));
        inFlight--;
        return { kind: 'ok', jpeg, takenAtMs: Date.now(), stale: false };
      },
    };
    f = await startFixture({ staticDir: DASHBOARD }, { snapshots });
    await f.store.put('sites', { id: 'yard', name: 'Yard' });
    for (const id of ids) await f.store.put('cameras', { id, site: 'yard', name: id.split('/')[1]!, enabled: true });
    for (const id of ids) f.streams.push(streamInfo('raw', id));
  });
  after(async () => {
    await browser?.close();
    await f?.close();
  });

  // skipped per test, not per suite: node:test's summary counts skipped tests only
  it('renders one card per camera, fetches thumbnails of visible cards only, at most 4 at once', { skip }, async (t) => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const navigations: string[] = [];
    page.on('framenavigated', (fr) => navigations.push(fr.url()));
    await page.goto(`http://127.0.0.1:${f.port}/`, { waitUntil: 'load', timeout: 15_000 });

    await page.waitForFunction((n) => document.querySelectorAll('.card[data-live="true"]').length === n, N, { timeout: 20_000 });
    assert.equal(await page.locator('.card').count(), N + 5, 'the 50 cameras plus the 5 of the default catalog');
    assert.match((await page.textContent('#summary')) ?? '', /^55 cameras · 50 live · 0 compressed$/);
    assert.match((await page.textContent(`[data-camera="${ids[0]}"] .bitrate-raw`)) ?? '', /^4\.00 Mbit\/s$/);

    // The first thumbnails load; cards below the fold were not asked for.
    await page.waitForFunction((id) => (document.querySelector<HTMLImageElement>(`[data-camera="${id}"] img.thumb`)?.naturalWidth ?? 0) > 0, ids[0], { timeout: 20_000 });
    const visible = await page.$$eval('.card', (cards) =>
      cards.filter((c) => {
        const r = c.getBoundingClientRect();
        return r.bottom > 0 && r.top < innerHeight;
      }).length,
    );
    assert.ok(visible < N, `only part of the grid is on screen (${visible} cards)`);
    assert.ok(asked.size > 0 && asked.size < N, `thumbnails asked for ${asked.size} of ${N} cameras`);
    assert.ok(!asked.has(ids.at(-1)!), 'the last card (off screen) was not asked for');
    assert.ok(maxInFlight <= 4, `at most 4 thumbnail requests at once, saw ${maxInFlight}`);
    await page.screenshot({ path: join(dir, 'dashboard-50.png') });

    // Scrolled into view, the last camera gets its thumbnail at the next tick.
    await page.locator(`[data-camera="${ids.at(-1)}"]`).scrollIntoViewIfNeeded();
    await page.waitForFunction((id) => (document.querySelector<HTMLImageElement>(`[data-camera="${id}"] img.thumb`)?.naturalWidth ?? 0) > 0, ids.at(-1), { timeout: 20_000 });
    assert.ok(maxInFlight <= 4, `at most 4 thumbnail requests at once, saw ${maxInFlight}`);

    // One camera stops: its card goes offline from the event, the 49 others stay live.
    const gone = ids[7]!;
    f.streams.splice(f.streams.findIndex((s) => s.path === gone), 1);
    f.bus.publish({ type: 'stream.down', factory: 'raw', path: gone });
    await page.waitForFunction((id) => document.querySelector<HTMLElement>(`[data-camera="${id}"]`)?.dataset.live === 'false', gone, { timeout: 10_000 });
    assert.equal(await page.locator('.card[data-live="true"]').count(), N - 1);
    assert.equal(await page.locator('.card').count(), N + 5, 'no card duplicated by the updates');
    assert.deepEqual(navigations.filter((u) => u !== `http://127.0.0.1:${f.port}/`), []);
    assert.deepEqual(pageErrors, []);
    t.diagnostic(`screenshot in ${dir}; thumbnails asked for ${asked.size} cameras, at most ${maxInFlight} at once`);
  });
});
