/**
 * WebRTC playback (WHEP, issue 12) in a real browser: headless Chromium (Debian's `chromium`,
 * driven by playwright-core) opens the dashboard's live player (player.js) in WebRTC mode, its default, for a camera
 * published with the bundled ffmpeg, raw and compressed; the video must have the camera's width and
 * play for at least 3 s. Then every way a session ends (DELETE, browser gone, camera gone) must
 * leave no session and no UDP socket behind in the server process (counted in /proc/PID/fd).
 * Bad offers get 400, unknown cameras 404, one session over webrtc.maxSessions 503.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runFfmpeg, syntheticCameraArgs, type FfmpegRun } from '../helpers/ffmpeg.ts';
import { startServer, waitFor, type ServerProcess } from '../helpers/server.ts';

const CHROMIUM = process.env.CUPOLA_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
];
const skip = existsSync(CHROMIUM)
  ? false
  : `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set CUPOLA_CHROMIUM`;

const CAMERA = 'site1/cam1';
const WIDTH = 320;

/** UDP sockets the process holds: its socket fds whose inode is in /proc/PID/net/udp{,6}. */
function udpSocketCount(pid: number): number {
  const inodes = new Set<string>();
  for (const f of ['udp', 'udp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${f}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9) inodes.add(cols[9]!);
    }
  }
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let link = '';
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m !== null && inodes.has(m[1]!)) n++;
  }
  return n;
}

interface SessionItem {
  id: string;
  factory: string;
  path: string;
  connected: boolean;
  bytesSent: number;
}

describe('WebRTC (WHEP) playback in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cupola-whep-'));
  let server: ServerProcess;
  let camera: FfmpegRun | undefined;
  let browser: Browser | undefined;
  let baselineUdp = 0;

  const sessions = async (on: ServerProcess = server): Promise<SessionItem[]> => {
    const res = await fetch(on.apiUrl('/api/v1/webrtc/sessions'));
    return ((await res.json()) as { items: SessionItem[] }).items;
  };
  const live = async (factory: string, on: ServerProcess = server): Promise<boolean> => {
    const res = await fetch(on.apiUrl(`/api/v1/streams?factory=${factory}`));
    const body = (await res.json()) as { items: { path: string; publisher: unknown; video?: unknown }[] };
    return body.items.some((i) => i.path === CAMERA && i.publisher !== null && i.video !== undefined);
  };
  const noSessionLeft = async (what: string): Promise<void> => {
    await waitFor(async () => (await sessions()).length === 0, 30_000, `no WHEP session after ${what}`, 200);
    await waitFor(() => udpSocketCount(server.pid) <= baselineUdp, 15_000, `UDP sockets back to ${baselineUdp} after ${what} (now ${udpSocketCount(server.pid)})`, 200);
    const metrics = await (await fetch(server.apiUrl('/metrics'))).text();
    assert.match(metrics, /cupola_webrtc_sessions\{factory="raw"\} 0/);
    assert.match(metrics, /cupola_webrtc_sessions\{factory="compressed"\} 0/);
  };

  /** Opens the dashboard player for the camera and waits for 3 s of playback at the camera's width. */
  const play = async (page: Page, factory: 'raw' | 'compressed', on: ServerProcess = server): Promise<void> => {
    await page.goto(on.apiUrl('/'), { waitUntil: 'load', timeout: 15_000 });
    const card = `[data-camera="${CAMERA}"]`;
    await page.waitForFunction((sel) => document.querySelector<HTMLElement>(sel)?.dataset.live === 'true', card, { timeout: 20_000 });
    await page.click(`${card} .thumb-box`);
    await page.waitForSelector('#player-dialog[open]', { timeout: 5000 });
    assert.equal(await page.$eval('#player-mode', (el) => (el as HTMLSelectElement).value), 'webrtc', 'WebRTC is the default mode');
    if (factory === 'compressed') await page.selectOption('#player-factory', 'compressed');
    await page.waitForFunction(
      () => {
        const v = document.querySelector<HTMLVideoElement>('#player-video');
        return v !== null && v.srcObject !== null && v.videoWidth > 0 && v.currentTime > 0;
      },
      undefined,
      { timeout: 30_000 },
    );
    const width = await page.$eval('#player-video', (v) => (v as HTMLVideoElement).videoWidth);
    assert.equal(width, WIDTH, `${factory}: videoWidth`);
    const t0 = await page.$eval('#player-video', (v) => (v as HTMLVideoElement).currentTime);
    await page.waitForFunction((start) => (document.querySelector<HTMLVideoElement>('#player-video')?.currentTime ?? 0) - start >= 3, t0, { timeout: 30_000 });
    await page.screenshot({ path: join(dir, `whep-${factory}${on === server ? '' : '-master'}.png`) });
    // Switching factory DELETEs the previous session: one is left.
    const items = await waitFor(async () => {
      const list = await sessions(on);
      return list.length === 1 ? list : null;
    }, 10_000, `one ${factory} session`);
    assert.equal(items[0]!.factory, factory);
    assert.ok(items[0]!.connected && items[0]!.bytesSent > 0, 'connected and sending');
    // The session counts as a reader of protocol webrtc (API, cupola_readers).
    const text = await (await fetch(on.apiUrl('/metrics'))).text();
    assert.match(text, new RegExp(`cupola_readers\\{factory="${factory}",protocol="webrtc"\\} 1\\b`));
  };

  before(async () => {
    if (skip !== false) return;
    const config = join(dir, 'settings.json');
    writeFileSync(config, JSON.stringify({ limits: { unpublishedGraceMs: 500 }, webrtc: { maxSessions: 2 } }));
    server = await startServer({ args: ['--config', config, '--log-level', 'info'] });
    baselineUdp = udpSocketCount(server.pid);
    camera = runFfmpeg(syntheticCameraArgs(server.rtmpUrl(CAMERA), { size: `${WIDTH}x240`, fps: 15, gop: 15 }));
    await waitFor(() => live('raw'), 30_000, `${CAMERA} live (raw)`, 200);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
  });

  after(async () => {
    await browser?.close();
    await camera?.stop();
    await server?.stop();
  });

  it('plays the raw camera in WebRTC mode; DELETE (closing the player) ends the session', { skip }, async (t) => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 720 } });
    await play(page, 'raw');
    assert.ok(udpSocketCount(server.pid) > baselineUdp, 'the session holds a UDP socket');
    // AAC audio: the answer says video only.
    assert.match((await page.textContent('#player-status')) ?? '', /video only/);
    assert.match(server.logs(), /WHEP session answered.*AAC or MP3/);
    await page.click('#player-dialog button[type=submit]');
    await noSessionLeft('DELETE');
    const metrics = await (await fetch(server.apiUrl('/metrics'))).text();
    assert.match(metrics, /cupola_webrtc_sessions_total\{factory="raw"\} 1\b/);
    assert.match(metrics, /cupola_webrtc_sent_bytes_total\{factory="raw"\} [1-9]/);
    await page.close();
    t.diagnostic(`screenshots in ${dir}`);
  });

  it('plays the compressed camera; closing the browser ends the session', { skip }, async () => {
    await waitFor(() => live('compressed'), 60_000, `${CAMERA} live (compressed)`, 250);
    const own = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
    try {
      const page = await own.newPage({ viewport: { width: 1280, height: 720 } });
      await play(page, 'compressed');
    } finally {
      await own.close();
    }
    await noSessionLeft('browser close');
  });

  it('refuses bad offers with 400, unknown cameras with 404, sessions over the cap with 503', { skip }, async () => {
    const post = (path: string, body: string, type = 'application/sdp'): Promise<Response> =>
      fetch(server.apiUrl(path), { method: 'POST', headers: { 'content-type': type }, body });
    const malformed = await post('/whep/raw/site1/cam1', 'hello');
    assert.equal(malformed.status, 400);
    assert.match(((await malformed.json()) as { error: { message: string } }).error.message, /WEBRTC_OFFER_MALFORMED/);
    const noVideo = await post('/whep/raw/site1/cam1', 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\na=fingerprint:sha-256 00\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=recvonly\r\n');
    assert.equal(noVideo.status, 400);
    assert.match(((await noVideo.json()) as { error: { message: string } }).error.message, /WEBRTC_OFFER_UNSUPPORTED/);
    assert.equal((await post('/whep/raw/site1/nocam', 'v=0\r\n')).status, 404);
    assert.equal((await post('/whep/raw/site1/cam1', '{}', 'application/json')).status, 415);
    // The cap (webrtc.maxSessions = 2): two real offers from the browser are answered, a third is 503.
    const page = await browser!.newPage();
    await page.goto(server.apiUrl('/'), { waitUntil: 'load' });
    const statuses = await page.evaluate(async () => {
      const out: number[] = [];
      const pcs: RTCPeerConnection[] = [];
      for (let i = 0; i < 3; i++) {
        const pc = new RTCPeerConnection();
        pcs.push(pc);
        pc.addTransceiver('video', { direction: 'recvonly' });
        await pc.setLocalDescription(await pc.createOffer());
        const res = await fetch('/whep/raw/site1/cam1', { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: pc.localDescription!.sdp });
        out.push(res.status);
        if (res.status === 201) await fetch(res.headers.get('location')!, { method: 'DELETE' });
      }
      pcs.forEach((p) => p.close());
      return out;
    });
    // Each session is deleted right after its answer: the cap counts open sessions only.
    assert.deepEqual(statuses, [201, 201, 201]);
    const held = await page.evaluate(async () => {
      const out: number[] = [];
      const locations: string[] = [];
      for (let i = 0; i < 3; i++) {
        const pc = new RTCPeerConnection();
        pc.addTransceiver('video', { direction: 'recvonly' });
        await pc.setLocalDescription(await pc.createOffer());
        const res = await fetch('/whep/raw/site1/cam1', { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: pc.localDescription!.sdp });
        out.push(res.status);
        if (res.status === 201) locations.push(res.headers.get('location')!);
        pc.close();
      }
      for (const l of locations) await fetch(l, { method: 'DELETE' });
      return out;
    });
    assert.deepEqual(held, [201, 201, 503]);
    await page.close();
    await noSessionLeft('refused offers');
  });

  it('plays a replicated camera on the master', { skip }, async () => {
    const master = await startServer({ role: 'master', args: ['--upstream', server.apiUrl(''), '--no-compress', '--log-level', 'info'] });
    try {
      await waitFor(() => live('raw', master), 30_000, `${CAMERA} replicated to the master`, 250);
      const page = await browser!.newPage({ viewport: { width: 1280, height: 720 } });
      await play(page, 'raw', master);
      await page.close();
      await waitFor(async () => (await sessions(master)).length === 0, 30_000, 'no WHEP session left on the master', 200);
    } finally {
      await master.stop();
    }
  });

  it('ends a session when the camera goes away', { skip }, async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 720 } });
    await play(page, 'raw');
    await camera!.stop();
    camera = undefined;
    await noSessionLeft('camera gone');
    assert.match(server.logs(), /WHEP session ended.*stream ended/);
    await page.close();
  });
});
