/**
 * The page the browser suite opens in headless Chromium, served at BENCH_PAGE_PATH on the API's own
 * origin (the suite fulfils that one URL with playwright's page.route; everything else the page
 * loads, /player.js, /player-webrtc.js, /vendor/hls.min.js, WHEP, LL-HLS, comes from the server).
 * It plays the camera with the dashboard's own player modes (PLAYER_MODES of src/dashboard/player.js:
 * WHEP (offer at once, candidates trickled by PATCH), hls.js with lowLatencyMode), nothing else on the page; mode
 * `hls-1x` is hls.js with the dashboard's options but maxLiveSyncPlaybackRate 1 (hls.js's default:
 * no catching up; the dashboard's player before it played up to 1.5x), for comparison.
 *
 * Every frame the video element presents (requestVideoFrameCallback) is read: the top-left strip
 * is drawn to a canvas and the burnt-in frame number decoded (bench/lib/media.ts frameIndexFilter;
 * -1 when a block pair does not differ clearly). window.__bench holds:
 *  - first: the first presented frame: expectedDisplayTime and presentationTime (ms since the
 *    navigation started: performance.timeOrigin), and its frame number;
 *  - samples: [frame number, expectedDisplayTime as ms since the epoch] of every frame while
 *    window.__bench.collect is true;
 *  - clockOffsetMs: Date.now() - (timeOrigin + performance.now()), to put both clocks on one axis.
 */
import { FRAME_INDEX_BITS, FRAME_INDEX_BLOCK } from './media.ts';

export const BENCH_PAGE_PATH = '/bench-browser.html';
/** hls.js maxLiveSyncPlaybackRate of the page's `hls-1x` mode (the dashboard's player uses 1.5). */
export const HLS_NO_CATCHUP_RATE = 1;

export interface PageFirstFrame {
  readonly expectedMs: number;
  readonly presentationMs: number;
  readonly index: number;
  readonly expectedEpochMs: number;
  readonly width: number;
  /** Requests made before the first frame: [path, startTime, responseEnd] (ms since navigation start). */
  readonly requests: [string, number, number][];
}

export interface PageState {
  first: PageFirstFrame | null;
  samples: [number, number][];
  undecoded: number;
  frames: number;
  statuses: string[];
  clockOffsetMs: number;
  /** When the page's module script started (ms since navigation start). */
  scriptMs: number;
  collect: boolean;
  error: string | null;
}

export function benchPageHtml(): string {
  return `<!doctype html>
<meta charset="utf-8">
<title>cupola browser bench</title>
<video id="v" muted autoplay playsinline></video>
<script type="module">
import { PLAYER_MODES } from '/player.js';
const BITS = ${FRAME_INDEX_BITS}, B = ${FRAME_INDEX_BLOCK};
const q = new URLSearchParams(location.search);
const video = document.getElementById('v');
const canvas = document.createElement('canvas');
canvas.width = BITS * B;
canvas.height = 2 * B;
const g = canvas.getContext('2d', { willReadFrequently: true });
const state = { first: null, samples: [], undecoded: 0, frames: 0, statuses: [], collect: false, error: null, scriptMs: performance.now(),
  clockOffsetMs: Date.now() - (performance.timeOrigin + performance.now()) };
window.__bench = state;
const luma = (d, x, y) => { const i = (y * canvas.width + x) * 4; return 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2]; };
function frameIndex() {
  g.drawImage(video, 0, 0, canvas.width, canvas.height, 0, 0, canvas.width, canvas.height);
  const d = g.getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let k = 0; k < BITS; k++) {
    const x = k * B + (B >> 1);
    const top = luma(d, x, B >> 1), bottom = luma(d, x, B + (B >> 1));
    if (Math.abs(top - bottom) < 100) return -1;
    if (top > bottom) n += 2 ** k;
  }
  return n;
}
function onFrame(_now, md) {
  state.frames++;
  const index = frameIndex();
  if (index < 0) state.undecoded++;
  const epoch = performance.timeOrigin + md.expectedDisplayTime;
  if (state.first === null) state.first = { expectedMs: md.expectedDisplayTime, presentationMs: md.presentationTime, index, expectedEpochMs: epoch, width: video.videoWidth,
    requests: performance.getEntriesByType('resource').map((e) => [new URL(e.name).pathname + new URL(e.name).search, Math.round(e.startTime), Math.round(e.responseEnd)]) };
  if (state.collect && index >= 0 && state.samples.length < 20000) state.samples.push([index, epoch]);
  video.requestVideoFrameCallback(onFrame);
}
video.requestVideoFrameCallback(onFrame);
// hls-1x: hls.js as the dashboard configures it but never playing faster than 1x to catch up with
// its target latency; not the dashboard's player, a comparison.
const catchup = {
  start: () => new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = '/vendor/hls.min.js';
    s.onerror = () => reject(new Error('cannot load hls.js'));
    s.onload = () => {
      const hls = new window.Hls({ lowLatencyMode: true, backBufferLength: 10, maxLiveSyncPlaybackRate: ${HLS_NO_CATCHUP_RATE} });
      hls.loadSource('/hls/raw/' + q.get('cam') + '/index.m3u8');
      hls.attachMedia(video);
      setInterval(() => Number.isFinite(hls.latency) && state.statuses.push('hls.js latency ' + hls.latency.toFixed(2) + ' s, target ' + hls.targetLatency.toFixed(2) + ' s'), 1000);
      resolve(() => hls.destroy());
    };
    document.head.append(s);
  }),
};
const mode = q.get('mode') === 'hls-1x' ? catchup : PLAYER_MODES[q.get('mode')];
if (mode === undefined) state.error = 'unknown mode';
else mode.start(video, { id: q.get('cam'), factory: 'raw', token: '', status: (s) => state.statuses.push(s) }).catch((e) => (state.error = String(e)));
</script>
`;
}
