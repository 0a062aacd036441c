// Cupola dashboard: plain JS, no build step, no dependencies. State comes from the events WebSocket
// (a snapshot, then stream/URL/camera/compression/replication events); one 5 s tick refreshes the
// measured bitrates (GET /api/v1/streams) and the thumbnails of visible live cameras, a few at a
// time, so 50 cameras cost one timer, not 50.
import { openPlayer } from './player.js';

const API = '/api/v1';
const TOKEN_KEY = 'cupola.apiToken';
const TICK_MS = 5000;
const MAX_THUMB_FETCHES = 4;
const WS_MAX_DELAY_MS = 15000;

const state = {
  loaded: false, // the first snapshot arrived
  node: null,
  cameras: new Map(), // id -> catalog camera
  streams: new Map(), // `${factory} ${path}` -> StreamInfo
  urls: new Map(), // camera id -> CameraUrls
  compression: new Map(), // camera id -> { state, detail }
  replication: new Map(), // `${factory} ${path}` -> { state, detail }
  sources: new Map(), // camera id -> { state, lastError } of a pulled camera (GET /sources, source.state)
};
const cards = new Map(); // camera id -> { el, parts, visible, thumbUrl }
const sites = new Map(); // site id -> section element
const $ = (id) => document.getElementById(id);
const key = (factory, path) => `${factory} ${path}`;
const byName = (a, b) => a.localeCompare(b, undefined, { numeric: true });

// ---- API access and the token ----

let token = localStorage.getItem(TOKEN_KEY) ?? '';
let tokenPrompt = null;

// A link such as http://node:8080/?token=SECRET logs in: the token is kept like a typed one and
// taken out of the address bar (and so out of the history and of anything copied from it).
{
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    token = fromUrl.trim();
    localStorage.setItem(TOKEN_KEY, token);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
}

/** Shows the token dialog once, however many requests were refused meanwhile. */
function askToken(refused) {
  tokenPrompt ??= new Promise((resolve) => {
    const dialog = $('token-dialog');
    $('token-error').hidden = !refused;
    $('token-form').addEventListener('submit', () => {
      token = $('token-input').value.trim();
      localStorage.setItem(TOKEN_KEY, token);
      tokenPrompt = null;
      resolve();
    }, { once: true });
    dialog.showModal();
  });
  return tokenPrompt;
}

/** fetch with the bearer token; on 401 asks for a token and tries again. */
async function api(path) {
  for (;;) {
    const res = await fetch(API + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    if (res.status !== 401) return res;
    await askToken(token !== '');
  }
}

// ---- live updates ----

let wsDelayMs = 1000;

function setConn(s) {
  const el = $('conn');
  el.dataset.state = s;
  el.textContent = s;
}

function connect() {
  const url = new URL(`${API}/events`, location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  if (token) url.searchParams.set('token', token); // browsers cannot set headers on a WebSocket
  const ws = new WebSocket(url);
  let opened = false;
  setConn('connecting');
  ws.onopen = () => {
    opened = true;
    wsDelayMs = 1000;
    setConn('live');
  };
  ws.onmessage = (m) => {
    try {
      apply(JSON.parse(m.data));
    } catch (err) {
      console.error('bad event', err);
    }
  };
  ws.onclose = async () => {
    setConn('reconnecting');
    // A refused upgrade looks like any failure: ask the API, which prompts for a token on 401.
    if (!opened) await api('/node').catch(() => {});
    setTimeout(connect, wsDelayMs);
    wsDelayMs = Math.min(wsDelayMs * 2, WS_MAX_DELAY_MS);
  };
}

function apply(e) {
  switch (e.type) {
    case 'snapshot':
      state.streams = new Map((e.streams ?? []).map((s) => [key(s.factory, s.path), s]));
      state.urls = new Map((e.urls ?? []).map((u) => [u.camera, u]));
      state.cameras = new Map((e.cameras ?? []).map((c) => [c.id, c]));
      if (e.compression) state.compression = new Map(e.compression.map((c) => [c.camera, c]));
      if (e.replication) state.replication = new Map(e.replication.map((r) => [key(r.factory, r.path), r]));
      state.loaded = true;
      markAll();
      break;
    case 'stream.up':
      state.streams.set(key(e.stream.factory, e.stream.path), e.stream);
      mark(e.stream.path);
      soon(tick, 2000); // bitrate and first thumbnail without waiting a whole tick
      break;
    case 'stream.down':
      state.streams.delete(key(e.factory, e.path));
      mark(e.path);
      break;
    case 'urls.changed':
      if (e.urls) state.urls.set(e.camera, e.urls);
      else state.urls.delete(e.camera);
      mark(e.camera);
      break;
    case 'camera.changed':
      if (e.change === 'removed') state.cameras.delete(e.camera);
      else state.cameras.set(e.camera, e.value);
      mark(e.camera);
      break;
    case 'compression.state':
      state.compression.set(e.camera, e);
      mark(e.camera);
      break;
    case 'replication.state':
      state.replication.set(key(e.factory, e.path), e);
      mark(e.path);
      break;
    case 'source.state':
      state.sources.set(e.camera, { ...state.sources.get(e.camera), state: e.state, lastError: e.detail });
      mark(e.camera);
      break;
    default:
      break; // newer servers may send more event types
  }
}

// ---- rendering: dirty cards are redrawn in one batch ----

const dirty = new Set();
let renderTimer = null;
const timers = new Map();

function soon(fn, ms) {
  if (!timers.has(fn)) timers.set(fn, setTimeout(() => (timers.delete(fn), fn()), ms));
}
function mark(id) {
  dirty.add(id);
  renderTimer ??= setTimeout(render, 30);
}
function markAll() {
  for (const id of cameraIds()) mark(id);
  for (const id of cards.keys()) mark(id);
  renderTimer ??= setTimeout(render, 30); // the summary too, when there is no camera at all
}

function cameraIds() {
  const ids = new Set([...state.cameras.keys(), ...state.urls.keys()]);
  for (const s of state.streams.values()) ids.add(s.path);
  return ids;
}

function render() {
  renderTimer = null;
  const known = cameraIds();
  for (const id of dirty) {
    if (known.has(id)) drawCard(id, cardFor(id));
    else removeCard(id);
  }
  dirty.clear();
  drawSummary(known);
  applyFilter();
}

const observer = new IntersectionObserver((entries) => {
  for (const en of entries) {
    const c = cards.get(en.target.dataset.camera);
    if (c) c.visible = en.isIntersecting;
  }
});

function cardFor(id) {
  let c = cards.get(id);
  if (c) return c;
  const el = $('card-template').content.firstElementChild.cloneNode(true);
  el.dataset.camera = id;
  const q = (s) => el.querySelector(s);
  c = {
    // Off screen until the IntersectionObserver reports it (within a frame): a first tick over a long
    // grid then fetches no thumbnails of cards nobody can see.
    el, visible: false, thumbUrl: null,
    parts: {
      name: q('.name'), thumb: q('.thumb'), thumbLabel: q('.thumb-label'), live: q('.b-live'), comp: q('.b-comp'), repl: q('.b-repl'), src: q('.b-src'),
      media: q('.media'), raw: q('.bitrate-raw'), compRate: q('.bitrate-comp'), ratio: q('.ratio'), readers: q('.readers'),
      best: q('.best'), urls: q('.urls'), urlList: q('.url-list'),
    },
  };
  c.parts.name.textContent = id;
  c.parts.name.title = id;
  c.parts.urls.addEventListener('toggle', () => c.parts.urls.open && drawUrls(id, c));
  // The camera card opens a live player (the thumbnail or the button).
  const watch = () => openPlayer(id, () => token);
  q('.watch').addEventListener('click', watch);
  q('.thumb-box').addEventListener('click', watch);
  cards.set(id, c);
  insertSorted(siteSection(id.split('/')[0]).querySelector('.grid'), el, id);
  observer.observe(el);
  return c;
}

function siteSection(site) {
  let s = sites.get(site);
  if (s) return s;
  s = document.createElement('section');
  s.className = 'site';
  s.dataset.site = site;
  s.innerHTML = '<h2><span class="site-name"></span> <small class="site-count"></small></h2><div class="grid"></div>';
  s.querySelector('.site-name').textContent = site;
  sites.set(site, s);
  insertSorted($('sites'), s, site, (n) => n.dataset.site);
  return s;
}

function insertSorted(parent, el, id, idOf = (n) => n.dataset.camera) {
  const next = [...parent.children].find((n) => idOf(n) !== undefined && byName(idOf(n), id) > 0);
  parent.insertBefore(el, next ?? null);
}

function removeCard(id) {
  const c = cards.get(id);
  if (!c) return;
  observer.unobserve(c.el);
  if (c.thumbUrl) URL.revokeObjectURL(c.thumbUrl);
  c.el.remove();
  cards.delete(id);
  const site = sites.get(id.split('/')[0]);
  if (site && !site.querySelector('.card')) {
    site.remove();
    sites.delete(id.split('/')[0]);
  }
}

function setText(el, s, cls) {
  if (el.textContent !== s) el.textContent = s;
  if (cls !== undefined && el.dataset.tone !== cls) el.dataset.tone = cls;
}

/** The stream of a camera in one factory while it has a publisher (a stream waiting for its publisher to come back is not live). */
function liveStream(factory, id) {
  const s = state.streams.get(key(factory, id));
  return s && s.publisher !== null ? s : undefined;
}

function rate(bps) {
  if (!(bps > 0)) return '–';
  return bps >= 1e6 ? `${(bps / 1e6).toFixed(2)} Mbit/s` : `${Math.round(bps / 1e3)} kbit/s`;
}

/** Viewers (RTMP and RTSP readers) and Cupola's own consumers (compression, replication, snapshots). */
function readerCounts(s) {
  const r = s?.readers ?? {};
  return { viewers: (r.rtmp ?? 0) + (r.rtsp ?? 0), internal: r.internal ?? 0 };
}

function drawCard(id, c) {
  const p = c.parts;
  const raw = liveStream('raw', id);
  const comp = liveStream('compressed', id);
  const cam = state.cameras.get(id);
  c.el.dataset.live = String(Boolean(raw));
  c.el.classList.toggle('disabled', cam?.enabled === false);

  const viaReplica = raw?.publisher?.kind === 'replication';
  setText(p.live, raw ? (viaReplica ? 'live (replica)' : 'live') : 'offline', raw ? 'ok' : 'off');
  p.live.title = raw?.publisher ? `${raw.publisher.kind} from ${raw.publisher.remote}, up ${Math.round(raw.uptimeSeconds ?? 0)} s` : 'no publisher';
  // compression.state events (or GET /compression), else the status the node attaches to the compressed stream.
  const cs = state.compression.get(id) ?? comp?.compression;
  const compText = comp ? 'compressed' : cs && !['stopped', 'idle'].includes(cs.state) ? `compression ${cs.state}` : 'not compressed';
  setText(p.comp, compText, comp ? 'ok' : cs && ['starting', 'backoff', 'stalled'].includes(cs.state) ? 'warn' : 'off');
  p.comp.title = cs?.detail ?? cs?.lastError ?? (cs?.profile ?? cs?.profileId ? `profile ${cs.profile ?? cs.profileId}` : '');
  const rp = replica(id, raw, comp);
  setText(p.repl, rp.text, rp.tone);
  p.repl.title = rp.title;
  // A pulled camera: its source state, and the last error where the picture's details would be.
  const src = cam?.source !== undefined ? state.sources.get(id) ?? { state: 'pending' } : null;
  p.src.hidden = src === null;
  if (src) {
    setText(p.src, `source ${src.state}`, src.state === 'live' ? 'ok' : src.state === 'idle' ? 'off' : 'warn');
    p.src.title = `${cam.source}${src.lastError ? ` — ${src.lastError}` : ''}${src.restarts ? ` · ${src.restarts} restarts` : ''}`;
  }

  const v = raw?.video;
  const a = raw?.audio;
  const media = v
    ? `${v.codec.toUpperCase()} ${v.width ?? '?'}×${v.height ?? '?'}${v.fps ? ` ${Math.round(v.fps * 10) / 10} fps` : ''}${a ? ` · ${a.codec.toUpperCase()} ${a.sampleRate / 1000} kHz` : ''}`
    : raw ? 'waiting for codec parameters' : cam?.enabled === false ? 'disabled'
    : src ? (src.lastError ? `source ${src.state}: ${src.lastError}` : src.state === 'idle' ? 'pulled on demand: no reader' : `source ${src.state}`)
    : 'not publishing';
  setText(p.media, media);
  p.media.title = media; // a source's last error is often longer than the card
  setText(p.raw, raw ? rate(raw.bitrateBps) : '–');
  setText(p.compRate, comp ? rate(comp.bitrateBps) : '–');
  setText(p.ratio, raw?.bitrateBps > 0 && comp?.bitrateBps > 0 ? `${(raw.bitrateBps / comp.bitrateBps).toFixed(1)}×` : '–');
  const nr = readerCounts(raw);
  const nc = readerCounts(comp);
  const internal = nr.internal + nc.internal;
  setText(p.readers, raw || comp ? `${nr.viewers + nc.viewers}${internal > 0 ? ` +${internal} internal` : ''}` : '–');
  p.readers.title = `viewers: raw ${nr.viewers}, compressed ${nc.viewers}; internal (compression, replication, thumbnails): raw ${nr.internal}, compressed ${nc.internal}`;

  const best = state.urls.get(id)?.best;
  const where = (b) => (b ? `${b.name}` : '–');
  const failover = [best?.raw, best?.compressed].some((b) => b && b.role !== 'slave');
  const anyBest = best && (best.raw || best.compressed);
  setText(p.best, anyBest ? `${failover ? 'failover · ' : ''}best: raw@${where(best.raw)} · comp@${where(best.compressed)}` : '', failover ? 'warn' : '');
  p.best.title = anyBest ? `the URLs handed out now: raw ${best.raw?.url ?? 'none'}, compressed ${best.compressed?.url ?? 'none'}` : '';
  if (p.urls.open) drawUrls(id, c);

  setText(p.thumbLabel, raw ? '' : 'offline');
  c.el.classList.toggle('offline', !raw);
}

/** Whether the camera's streams exist on the other node too (slave view) or are pulled live (master view). */
function replica(id, raw, comp) {
  if (state.node?.role === 'master') {
    const st = (f, s) => state.replication.get(key(f, id))?.state ?? (s?.publisher?.kind === 'replication' ? 'live' : null);
    const r = st('raw', raw);
    const c = st('compressed', comp);
    if (r === 'live' && (c === 'live' || !comp)) return { text: c === 'live' ? 'replicated' : 'raw replicated', tone: 'ok', title: 'pulled from the slave' };
    if (r || c) return { text: `replica ${r ?? '–'}/${c ?? '–'}`, tone: 'warn', title: 'raw/compressed replication state' };
    return { text: raw ? 'direct' : 'no replica', tone: 'off', title: raw ? 'published to this node directly' : '' };
  }
  const peer = state.urls.get(id)?.nodes?.find((n) => n.node === 'peer');
  if (!peer) return { text: 'no peer', tone: 'off', title: 'this node has no peer configured' };
  const { raw: pr, compressed: pc } = peer.live;
  if (pr && pc) return { text: 'replicated', tone: 'ok', title: `live on ${peer.name}` };
  if (pr || pc) return { text: pr ? 'raw replicated' : 'comp. replicated', tone: 'warn', title: `partly live on ${peer.name}` };
  return { text: 'not replicated', tone: raw ? 'warn' : 'off', title: `not live on ${peer.name}` };
}

function drawUrls(id, c) {
  const u = state.urls.get(id);
  const list = c.parts.urlList;
  list.replaceChildren();
  if (!u) {
    list.textContent = 'not in the catalog: no URLs';
    return;
  }
  for (const n of u.nodes) {
    const h = document.createElement('div');
    h.className = 'url-node';
    h.textContent = `${n.name} · ${n.role}${n.node === 'self' ? ' (this node)' : ''}`;
    list.append(h);
    const rows = [['RTMP', n.rtmpIngest, n.live.raw], ['raw', n.rtspRaw, n.live.raw], ['comp.', n.rtspCompressed, n.live.compressed]];
    if (n.hlsRaw && n.hlsCompressed) rows.push(['HLS raw', n.hlsRaw, n.live.raw], ['HLS comp.', n.hlsCompressed, n.live.compressed]);
    if (n.whepRaw && n.whepCompressed) rows.push(['WHEP raw', n.whepRaw, n.live.raw], ['WHEP comp.', n.whepCompressed, n.live.compressed]);
    for (const [label, pair, live] of rows) {
      list.append(urlRow(label, pair.advertised ?? pair.internal, live, pair.advertised ? `internal: ${pair.internal}` : ''));
    }
  }
}

function urlRow(label, url, live, title) {
  const row = document.createElement('div');
  row.className = 'url-row';
  row.dataset.live = String(live);
  const l = document.createElement('span');
  l.textContent = label;
  const input = document.createElement('input');
  input.readOnly = true;
  input.value = url;
  input.title = title;
  input.addEventListener('focus', () => input.select());
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = 'copy';
  b.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      input.select(); // no clipboard API outside secure contexts: fall back to the selection
      document.execCommand('copy');
    }
    b.textContent = 'copied';
    setTimeout(() => (b.textContent = 'copy'), 1200);
  });
  row.append(l, input, b);
  return row;
}

function drawSummary(ids) {
  let live = 0, comp = 0;
  for (const id of ids) {
    if (liveStream('raw', id)) live++;
    if (liveStream('compressed', id)) comp++;
  }
  $('summary').textContent = `${ids.size} camera${ids.size === 1 ? '' : 's'} · ${live} live · ${comp} compressed`;
  const empty = $('empty');
  empty.hidden = ids.size > 0;
  // "Loading" until the first snapshot: only then is an empty catalog known to be empty.
  if (state.loaded && ids.size === 0) empty.replaceChildren(...$('empty-template').content.cloneNode(true).childNodes);
  for (const [site, s] of sites) {
    const n = [...ids].filter((id) => id.split('/')[0] === site).length;
    s.querySelector('.site-count').textContent = `${n} camera${n === 1 ? '' : 's'}`;
  }
}

function applyFilter() {
  const f = $('filter').value.trim().toLowerCase();
  for (const [id, c] of cards) c.el.hidden = f !== '' && !id.toLowerCase().includes(f);
  for (const s of sites.values()) s.hidden = !s.querySelector('.card:not([hidden])');
}

// ---- the one periodic tick: bitrates, then thumbnails ----

let ticking = false;

/** Optional status listings; a node that answers 404 (older, or not that role) is not asked again. */
const optional = {
  compression: { path: '/compression', on: true, set: (items) => (state.compression = new Map(items.map((c) => [c.camera ?? c.path, c]))) },
  replication: { path: '/replication', on: true, set: (items) => (state.replication = new Map(items.map((r) => [key(r.factory, r.path), r]))) },
  sources: { path: '/sources', on: true, set: (items) => (state.sources = new Map(items.map((s) => [s.camera, s]))) },
};

async function tick() {
  if (ticking) return;
  ticking = true;
  try {
    const res = await api('/streams');
    if (res.ok) {
      const { items } = await res.json();
      state.streams = new Map(items.map((s) => [key(s.factory, s.path), s]));
    }
    for (const o of Object.values(optional)) {
      if (!o.on) continue;
      const r = await api(o.path);
      if (r.status === 404) o.on = false;
      else if (r.ok) o.set((await r.json()).items ?? []);
    }
    markAll();
    await refreshThumbs();
  } catch {
    // Server unreachable: the WebSocket shows "reconnecting"; the next tick tries again.
  } finally {
    ticking = false;
  }
}

async function refreshThumbs() {
  const ids = [...cards].filter(([id, c]) => c.visible && !c.el.hidden && liveStream('raw', id)).map(([id]) => id);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) await loadThumb(ids[next++]);
  };
  await Promise.all(Array.from({ length: MAX_THUMB_FETCHES }, worker));
}

async function loadThumb(id) {
  const c = cards.get(id);
  const res = await api(`/cameras/${id.split('/').map(encodeURIComponent).join('/')}/snapshot.jpg`).catch(() => null);
  if (!res?.ok || !c) return;
  const url = URL.createObjectURL(await res.blob());
  const old = c.thumbUrl;
  c.thumbUrl = url;
  c.parts.thumb.src = url;
  c.parts.thumb.alt = `snapshot of ${id}`;
  if (old) URL.revokeObjectURL(old);
}

// ---- start ----

$('filter').addEventListener('input', applyFilter);

async function start() {
  try {
    const res = await api('/node');
    if (res.ok) {
      state.node = await res.json();
      $('node').textContent = `${state.node.name} · ${state.node.role}`;
      document.title = `Cupola · ${state.node.name}`;
    }
  } catch {
    // Not reachable yet: the WebSocket loop keeps retrying.
  }
  connect();
  setInterval(tick, TICK_MS);
  void tick();
}

void start();
