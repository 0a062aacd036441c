// Cupola dashboard: the live player of a camera card, WebRTC (WHEP) mode. No build step: a plain
// ES module the dashboard imports. openPlayer() shows an overlay with a <video>; playWebrtc() is the
// WHEP client (RFC-draft wish-whep: POST the offer, 201 with the answer and a Location to DELETE).
// Other modes (LL-HLS) plug in through PLAYER_MODES.

const GATHER_TIMEOUT_MS = 2000;

/** WHEP URL of a camera on this node: /whep/<factory>/<site>/<camera>. */
export function whepUrl(factory, id) {
  return `/whep/${factory}/${id.split('/').map(encodeURIComponent).join('/')}`;
}

function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => pc.iceGatheringState === 'complete' && done();
    const timer = setTimeout(done, GATHER_TIMEOUT_MS);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

/**
 * Plays `url` (a WHEP endpoint) into `video`. Resolves once the answer is applied with
 * { close(), pc, note } (note: what the server says about audio, e.g. AAC -> video only).
 */
export async function playWebrtc(video, url, { token = '' } = {}) {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  const stream = new MediaStream();
  pc.addEventListener('track', (e) => {
    stream.addTrack(e.track);
    if (video.srcObject !== stream) video.srcObject = stream;
  });
  let location = null;
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const close = () => {
    pc.close();
    video.srcObject = null;
    if (location !== null) {
      const l = location;
      location = null;
      // keepalive: the DELETE still goes out when the page is closing
      fetch(l, { method: 'DELETE', headers, keepalive: true }).catch(() => {});
    }
  };
  try {
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const res = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/sdp' }, body: pc.localDescription.sdp });
    if (res.status !== 201) {
      const body = await res.json().catch(() => null);
      throw new Error(body?.error?.message ?? `WHEP answered ${res.status}`);
    }
    location = new URL(res.headers.get('location'), new URL(url, window.location.href)).href;
    const note = res.headers.get('x-cupola-audio');
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    return { close, pc, note };
  } catch (err) {
    close();
    throw err;
  }
}

/** Receiver-side latency estimate (s): jitter buffer delay plus half the round trip. */
export async function webrtcLatency(pc) {
  const stats = await pc.getStats();
  let jitter = null;
  let rtt = 0;
  stats.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video' && s.jitterBufferEmittedCount > 0) jitter = s.jitterBufferDelay / s.jitterBufferEmittedCount;
    if (s.type === 'candidate-pair' && s.nominated && typeof s.currentRoundTripTime === 'number') rtt = s.currentRoundTripTime;
  });
  return jitter === null ? null : jitter + rtt / 2;
}

/** Player modes by name: each is (video, camera id, factory, opts) -> Promise<{ close(), latency?() , note? }>. */
export const PLAYER_MODES = {
  webrtc: async (video, id, factory, opts) => {
    const s = await playWebrtc(video, whepUrl(factory, id), opts);
    return { close: s.close, note: s.note, latency: () => webrtcLatency(s.pc) };
  },
};

let current = null;

/** Opens (or replaces) the overlay player for camera `id`. */
export function openPlayer(id, { factory = 'raw', mode = 'webrtc', token = '' } = {}) {
  current?.close();
  const el = document.createElement('div');
  el.className = 'player';
  el.dataset.camera = id;
  el.dataset.mode = mode;
  el.dataset.factory = factory;
  el.dataset.state = 'connecting';
  el.innerHTML = `<div class="player-box">
    <div class="player-bar"><b class="player-title"></b>
      <select class="player-factory" aria-label="factory"><option value="raw">raw</option><option value="compressed">compressed</option></select>
      <select class="player-mode" aria-label="player mode"></select>
      <span class="player-status">connecting</span>
      <button type="button" class="player-close" aria-label="close">×</button></div>
    <video class="player-video" autoplay muted playsinline></video></div>`;
  const q = (s) => el.querySelector(s);
  q('.player-title').textContent = id;
  q('.player-factory').value = factory;
  for (const m of Object.keys(PLAYER_MODES)) q('.player-mode').append(new Option(m === 'webrtc' ? 'WebRTC' : m, m));
  q('.player-mode').value = mode;
  const video = q('.player-video');
  const status = q('.player-status');
  let session = null;
  let timer = null;
  let closed = false;
  const setStatus = (text, state) => {
    status.textContent = text;
    if (state) el.dataset.state = state;
  };
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    session?.close();
    el.remove();
    window.removeEventListener('pagehide', close);
    if (current?.el === el) current = null;
  };
  q('.player-close').addEventListener('click', close);
  el.addEventListener('click', (e) => e.target === el && close());
  q('.player-factory').addEventListener('change', (e) => openPlayer(id, { factory: e.target.value, mode: q('.player-mode').value, token }));
  q('.player-mode').addEventListener('change', (e) => openPlayer(id, { factory: q('.player-factory').value, mode: e.target.value, token }));
  window.addEventListener('pagehide', close);
  document.body.append(el);
  current = { el, close };
  const start = PLAYER_MODES[mode] ?? PLAYER_MODES.webrtc;
  start(video, id, factory, { token }).then(
    (s) => {
      if (closed) return s.close();
      session = s;
      setStatus(s.note ? `playing · ${s.note}` : 'playing', 'playing');
      timer = setInterval(async () => {
        const l = await s.latency?.().catch(() => null);
        if (typeof l === 'number') setStatus(`latency ≈ ${Math.round(l * 1000)} ms${s.note ? ` · ${s.note}` : ''}`);
      }, 1000);
    },
    (err) => setStatus(err.message, 'error'),
  );
  return current;
}
