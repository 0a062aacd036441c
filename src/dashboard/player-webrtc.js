// Cupola dashboard: the WebRTC (WHEP) mode of the live player (player.js hosts the dialog and the
// modes). No build step: a plain ES module. playWebrtc() is the WHEP client (draft-ietf-wish-whep:
// POST the offer, 201 with the answer and a Location to DELETE when the player stops).

/** WHEP URL of a camera on this node: /whep/<factory>/<site>/<camera>. */
export function whepUrl(factory, id) {
  return `/whep/${factory}/${id.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * Trickle ICE (WHEP, draft-ietf-wish-whep §4.3): the offer goes out at once instead of after ICE
 * gathering (~250 ms of the first picture on a loaded machine, measured by bench/suites/browser.ts),
 * and the browser's candidates follow in PATCH requests once the session's URL is known. The server
 * usually connects before any arrives: the browser's checks to the answer's candidates show it the
 * browser's address (a peer-reflexive candidate).
 */
function trickler(pc, headers) {
  let target = null;
  let queue = [];
  let sending = Promise.resolve();
  const flush = () => {
    if (target === null || queue.length === 0) return;
    const url = target;
    const body = queue.join('');
    queue = [];
    sending = sending.then(() => fetch(url, { method: 'PATCH', headers: { ...headers, 'content-type': 'application/trickle-ice-sdpfrag' }, body }).catch(() => {}));
  };
  pc.addEventListener('icecandidate', (e) => {
    if (!e.candidate || !e.candidate.candidate) return;
    queue.push(`a=mid:${e.candidate.sdpMid}\r\na=${e.candidate.candidate}\r\n`);
    flush();
  });
  return {
    start(url) {
      target = url;
      flush();
    },
    stop() {
      target = null;
      queue = [];
    },
  };
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
  const trickle = trickler(pc, headers);
  const close = () => {
    trickle.stop();
    pc.close();
    // Only our own stream: a superseded session closing late must not reset the element another
    // player (LL-HLS) has taken over.
    if (video.srcObject === stream) video.srcObject = null;
    if (location !== null) {
      const l = location;
      location = null;
      // keepalive: the DELETE still goes out when the page is closing
      fetch(l, { method: 'DELETE', headers, keepalive: true }).catch(() => {});
    }
  };
  try {
    await pc.setLocalDescription(await pc.createOffer());
    const res = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/sdp' }, body: pc.localDescription.sdp });
    if (res.status !== 201) {
      const body = await res.json().catch(() => null);
      throw new Error(body?.error?.message ?? `WHEP answered ${res.status}`);
    }
    location = new URL(res.headers.get('location'), new URL(url, window.location.href)).href;
    const note = res.headers.get('x-cupola-audio');
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    trickle.start(location);
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

/**
 * The WebRTC mode of the dashboard's player (player.js PLAYER_MODES): start(video, ctx) plays the
 * camera and resolves to its stop function (which DELETEs the WHEP session). ctx: { id, factory,
 * token, status }.
 */
export const webrtcMode = {
  label: 'WebRTC',
  async start(video, ctx) {
    ctx.status('WebRTC · connecting');
    let s;
    try {
      s = await playWebrtc(video, whepUrl(ctx.factory, ctx.id), { token: ctx.token });
    } catch (err) {
      ctx.status(`WebRTC: ${err.message}`);
      return () => {};
    }
    const note = s.note ? ` · ${s.note}` : '';
    ctx.status(`WebRTC · playing${note}`);
    const timer = setInterval(async () => {
      const l = await webrtcLatency(s.pc).catch(() => null);
      if (typeof l === 'number') ctx.status(`WebRTC · latency ≈ ${Math.round(l * 1000)} ms${note}`);
    }, 1000);
    const stop = () => {
      clearInterval(timer);
      window.removeEventListener('pagehide', stop);
      s.close();
    };
    window.addEventListener('pagehide', stop);
    return stop;
  },
};
