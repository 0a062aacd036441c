/**
 * Issue 12 (LL-HLS mode of the dashboard player) in a real browser: headless Chromium (Debian's
 * `chromium`, driven by playwright-core) opens the dashboard, clicks a live camera's card and plays
 * it with hls.js (served from the installed package): for the raw and then the compressed factory,
 * the video's `videoWidth` equals the stream's width and `currentTime` advances for at least 3 s.
 * Screenshots go to the test's temp dir.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runFfmpeg, syntheticCameraArgs, type FfmpegRun } from '../helpers/ffmpeg.ts';
import { startServer, waitFor, type ServerProcess } from '../helpers/server.ts';

const CHROMIUM = process.env.CUPOLA_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required',
];
const skip = existsSync(CHROMIUM)
  ? false
  : `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium; .ci/run does) or set CUPOLA_CHROMIUM`;

const CAMERA = 'site1/cam1';

interface StreamItem {
  factory: string;
  path: string;
  publisher: unknown;
  video?: { width?: number };
}

async function liveWidth(server: ServerProcess, factory: string): Promise<number | null> {
  const res = await fetch(server.apiUrl(`/api/v1/streams?factory=${factory}`), { signal: AbortSignal.timeout(3000) });
  const item = ((await res.json()) as { items: StreamItem[] }).items.find((i) => i.path === CAMERA && i.publisher !== null);
  return item?.video?.width ?? null;
}

/** Waits for the player to show `width`-wide video, then for currentTime to advance by 3 s. */
async function assertPlays(page: Page, width: number, label: string): Promise<void> {
  await page.waitForFunction(
    (w) => {
      const v = document.querySelector<HTMLVideoElement>('#player-video');
      return v !== null && v.videoWidth === w && v.currentTime > 0;
    },
    width,
    { timeout: 45_000 },
  );
  const start = await page.$eval('#player-video', (v) => (v as HTMLVideoElement).currentTime);
  await page.waitForFunction((t0) => (document.querySelector<HTMLVideoElement>('#player-video')?.currentTime ?? 0) >= t0 + 3, start, { timeout: 30_000 });
  const v = await page.$eval('#player-video', (el) => {
    const video = el as HTMLVideoElement;
    return { width: video.videoWidth, time: video.currentTime };
  });
  assert.equal(v.width, width, `${label}: videoWidth`);
  assert.ok(v.time >= start + 3, `${label}: currentTime went from ${start} to ${v.time}`);
}

describe('dashboard player, LL-HLS mode, in headless Chromium', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'cupola-dashboard-hls-'));
  let server: ServerProcess | undefined;
  let camera: FfmpegRun | undefined;
  let browser: Browser | undefined;

  after(async () => {
    await browser?.close();
    await camera?.stop();
    await server?.stop();
  });

  // skipped per test, not per suite: node:test's summary counts skipped tests only
  it('plays a live camera of the raw and of the compressed factory', { skip }, async (t) => {
    server = await startServer();
    camera = runFfmpeg(syntheticCameraArgs(server.rtmpUrl(CAMERA), { size: '320x240', fps: 15, gop: 15 }));
    const s = server;
    const rawWidth = await waitFor(() => liveWidth(s, 'raw'), 30_000, `${CAMERA} live on the raw factory`, 200);
    assert.equal(rawWidth, 320);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(server.apiUrl('/'), { waitUntil: 'load', timeout: 15_000 });
    const card = `[data-camera="${CAMERA}"]`;
    await page.waitForFunction((sel) => document.querySelector<HTMLElement>(sel)?.dataset.live === 'true', card, { timeout: 20_000 });
    await page.click(`${card} .watch`);
    await page.waitForSelector('#player-dialog[open]', { timeout: 5000 });
    // WebRTC is the default mode (test/e2e/webrtc-whep.test.ts); this test picks LL-HLS.
    assert.equal(await page.$eval('#player-mode', (el) => (el as HTMLSelectElement).value), 'webrtc');
    await page.selectOption('#player-mode', 'hls');
    await assertPlays(page, rawWidth, 'raw');
    assert.match((await page.textContent('#player-status')) ?? '', /LL-HLS \(hls\.js\)/);
    await page.screenshot({ path: join(dir, 'player-raw.png') });

    const compWidth = await waitFor(() => liveWidth(s, 'compressed'), 90_000, `${CAMERA} live on the compressed factory`, 500);
    await page.selectOption('#player-factory', 'compressed');
    await assertPlays(page, compWidth, 'compressed');
    await page.screenshot({ path: join(dir, 'player-compressed.png') });
    assert.deepEqual(pageErrors, []);
    t.diagnostic(`screenshots in ${dir}`);
  });
});
