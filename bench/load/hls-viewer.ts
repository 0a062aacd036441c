/**
 * An LL-HLS viewer for load, without a browser (100 Chromiums do not fit on the bench machine):
 * it fetches what a low-latency player fetches and throws the bytes away. index.m3u8 -> the
 * variant's media playlist -> init.mp4 -> the newest part, then for every next part: a blocking
 * playlist reload (`?_HLS_msn=M&_HLS_part=P`, RFC 8216bis §6.2.5.2) followed by the part(s) it
 * lists that this viewer has not fetched yet. Two requests per part, one at a time, on its own
 * keep-alive connection (own http.Agent, as separate browsers would have). It does not decode.
 */
import http from 'node:http';
import { nowUs } from './stamp.ts';
import { ReaderStats } from './reader-stats.ts';

/** Requests one viewer makes at most (bounds the loop: about 40 minutes at 5 parts/s, 2 requests each). */
const MAX_REQUESTS = 25_000;
const REQUEST_TIMEOUT_MS = 10_000;

interface PartRef { readonly msn: number; readonly part: number; readonly uri: string }

/** The parts a media playlist lists (in order) and the position of the next part (the one hinted). */
export function parseMediaPlaylist(text: string): { parts: PartRef[]; next: { msn: number; part: number }; map: string | undefined } {
  let msn = 0;
  let part = 0;
  let map: string | undefined;
  const parts: PartRef[] = [];
  const lines = text.split('\n').map((l) => l.trim());
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('#EXT-X-MEDIA-SEQUENCE:')) msn = Number(l.slice(22));
    else if (l.startsWith('#EXT-X-MAP:')) map = /URI="([^"]+)"/.exec(l)?.[1];
    else if (l.startsWith('#EXT-X-PART:')) {
      const uri = /URI="([^"]+)"/.exec(l)?.[1];
      if (uri !== undefined) parts.push({ msn, part, uri });
      part++;
    } else if (l.startsWith('#EXTINF:')) {
      i++; // the segment's URI line
      msn++;
      part = 0;
    }
  }
  return { parts, next: { msn, part }, map };
}

export class HlsViewer {
  readonly stats = new ReaderStats();
  /** Parts fetched (all windows). */
  parts = 0;
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  readonly #base: URL;
  #closed = false;
  #requests = 0;

  constructor(url: string) {
    this.#base = new URL(url);
    this.stats.connectStartUs = nowUs();
    this.#run().catch((e: unknown) => {
      this.stats.error ??= String((e as Error).message ?? e);
      this.stats.closed = true;
    });
  }

  close(): void {
    this.#closed = true;
    this.stats.closed = true;
    this.#agent.destroy();
  }

  async #run(): Promise<void> {
    const index = (await this.#get(this.#base)).toString('utf8');
    const variant = index.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
    if (variant === undefined) throw new Error('no variant in the multivariant playlist');
    const media = new URL(variant, this.#base);
    let pl = parseMediaPlaylist((await this.#get(media)).toString('utf8'));
    if (pl.map !== undefined) await this.#get(new URL(pl.map, media));
    let last = pl.parts.at(-1);
    if (last !== undefined) await this.#part(new URL(last.uri, media));
    this.stats.playingUs = nowUs();
    this.stats.firstKeyframeUs = nowUs();
    while (!this.#closed && this.#requests < MAX_REQUESTS) {
      const q = new URL(media);
      q.searchParams.set('_HLS_msn', String(pl.next.msn));
      q.searchParams.set('_HLS_part', String(pl.next.part));
      pl = parseMediaPlaylist((await this.#get(q)).toString('utf8'));
      for (const p of pl.parts) {
        if (last !== undefined && (p.msn < last.msn || (p.msn === last.msn && p.part <= last.part))) continue;
        await this.#part(new URL(p.uri, media));
        last = p;
      }
    }
  }

  async #part(url: URL): Promise<void> {
    await this.#get(url);
    this.parts++;
  }

  #get(url: URL): Promise<Buffer> {
    this.#requests++;
    return new Promise((resolve, reject) => {
      const req = http.get(url, { agent: this.#agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          this.stats.bytes += c.length;
          chunks.push(c);
        });
        res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`GET ${url.pathname}: ${res.statusCode}`))));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${url.pathname}: no answer in ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
    });
  }
}
