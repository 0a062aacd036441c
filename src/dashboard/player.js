// The dashboard's live player: one <dialog> with a <video>, for a camera's raw or compressed
// stream. Modes plug in through PLAYER_MODES (start(video, ctx) resolves to a stop function);
// LL-HLS plays with hls.js (served from the installed package at /vendor/hls.min.js) where the
// browser has Media Source Extensions, else natively (Safari on iOS).

/** @typedef {{ id: string, factory: 'raw' | 'compressed', token: string, status: (s: string) => void }} PlayerContext */

import { webrtcMode } from './player-webrtc.js';

let hlsLoaded = null;

/** Loads hls.js once (a classic script: it sets window.Hls). */
function loadHlsJs() {
  hlsLoaded ??= new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = '/vendor/hls.min.js';
    s.onload = () => resolve(window.Hls);
    s.onerror = () => reject(new Error('cannot load /vendor/hls.min.js'));
    document.head.append(s);
  });
  return hlsLoaded;
}

export function hlsUrl(factory, id, token) {
  return `/hls/${factory}/${id}/index.m3u8${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

// WebRTC (WHEP, player-webrtc.js) first: the default; LL-HLS the fallback and the choice for audio.
export const PLAYER_MODES = {
  webrtc: webrtcMode,
  hls: {
    label: 'LL-HLS',
    /** @param {HTMLVideoElement} video @param {PlayerContext} ctx */
    async start(video, ctx) {
      const url = hlsUrl(ctx.factory, ctx.id, ctx.token);
      const Hls = await loadHlsJs().catch(() => null);
      if (Hls?.isSupported()) {
        // maxLiveSyncPlaybackRate: hls.js starts at the segment's keyframe and, at its default of 1,
        // never gets back to its target latency (each stall raises it); up to 1.5x it catches up.
        // Measured by bench/suites/browser.ts: 1.7-2.0 s behind the camera instead of 2.3-3.3 s.
        const hls = new Hls({ lowLatencyMode: true, backBufferLength: 10, maxLiveSyncPlaybackRate: 1.5 });
        hls.on(Hls.Events.ERROR, (_e, d) => {
          if (d.fatal) ctx.status(`LL-HLS error: ${d.details}`);
        });
        const timer = setInterval(() => {
          if (Number.isFinite(hls.latency) && hls.latency > 0) ctx.status(`LL-HLS (hls.js) · latency ${hls.latency.toFixed(2)} s`);
        }, 1000);
        hls.loadSource(url);
        hls.attachMedia(video);
        ctx.status('LL-HLS (hls.js) · loading');
        return () => {
          clearInterval(timer);
          hls.destroy();
        };
      }
      if (video.canPlayType('application/vnd.apple.mpegurl')) {
        video.src = url;
        ctx.status('LL-HLS (native)');
        return () => {
          video.removeAttribute('src');
          video.load();
        };
      }
      ctx.status('this browser plays neither HLS nor Media Source Extensions');
      return () => {};
    },
  },
};

let stopCurrent = null;
/** Bumped by every play and close: a start that resolves after a newer one (or a close) stops at once. */
let generation = 0;

/** Opens the player dialog on a camera; `getToken` gives the current API token. */
export function openPlayer(id, getToken, factory = 'raw', mode = 'webrtc') {
  const dialog = document.getElementById('player-dialog');
  const video = document.getElementById('player-video');
  const factorySel = document.getElementById('player-factory');
  const modeSel = document.getElementById('player-mode');
  const status = (s) => (document.getElementById('player-status').textContent = s);
  document.getElementById('player-title').textContent = id;
  if (modeSel.options.length === 0) {
    for (const [k, m] of Object.entries(PLAYER_MODES)) modeSel.append(new Option(m.label, k));
  }
  factorySel.value = factory;
  modeSel.value = mode in PLAYER_MODES ? mode : Object.keys(PLAYER_MODES)[0];
  const play = async () => {
    const gen = ++generation;
    stopCurrent?.();
    stopCurrent = null;
    video.muted = true; // autoplay without a gesture needs muted video
    // A start superseded by a newer one (mode or factory changed) must not write its late status
    // ("WebRTC · playing" once ICE connects) over the newer player's.
    const ownStatus = (s) => {
      if (gen === generation) status(s);
    };
    const stop = await PLAYER_MODES[modeSel.value].start(video, { id, factory: factorySel.value, token: getToken(), status: ownStatus });
    // The factory or mode changed, or the dialog closed, while this one started (a WHEP answer
    // in flight): it must not keep playing (and holding a session) behind the newer one.
    if (gen !== generation) return stop();
    stopCurrent = stop;
    video.play().catch(() => {});
  };
  factorySel.onchange = play;
  modeSel.onchange = play;
  dialog.onclose = () => {
    generation++;
    stopCurrent?.();
    stopCurrent = null;
  };
  if (!dialog.open) dialog.showModal();
  void play();
}
