/**
 * The LL-HLS output of one stream, on the stream-output base: muxed ONCE per stream into fMP4
 * parts whatever the number of viewers, who fetch them over HTTP (no reader queues). It starts on
 * the first request (the stream replays its GOP cache into it, so the first segment begins at
 * that keyframe and the first picture is there at once) and is closed by the HlsService after an
 * idle time without requests. Blocking playlist and part requests wait here for the part.
 */
import type { Frame, StreamDescription } from '../../protocols/media/frame.ts';
import { LlHlsSegmenter, type HlsPart, type SegmenterOptions } from '../../protocols/hls/ll-hls-segmenter.ts';
import { blockingSatisfied } from '../../protocols/hls/playlist.ts';
import { mp4TracksFromDescription } from '../../protocols/mp4/track.ts';
import { StreamOutputBase } from '../streams/output.ts';
import type { Stream } from '../streams/stream.ts';

export const HLS_OUTPUT_KEY = 'hls';

/** Browsers' MSE decodes these; G.711 audio is left out of HLS (video only then). */
const HLS_AUDIO_CODECS = ['aac', 'mp3', 'opus'] as const;

export interface HlsMuxerEvents {
  onPart?(part: HlsPart, segmentDone: boolean): void;
  onClose?(): void;
}

interface Waiter {
  readonly msn: number;
  readonly part: number | undefined;
  readonly resolve: (ok: boolean) => void;
}

export class HlsMuxer extends StreamOutputBase {
  readonly #options: SegmenterOptions;
  readonly #events: HlsMuxerEvents;
  #segmenter: LlHlsSegmenter | undefined;
  #initKey: string | undefined;
  #waiters: Waiter[] = [];
  lastRequestAt: number;

  constructor(stream: Stream, options: SegmenterOptions, now: number, events: HlsMuxerEvents = {}) {
    super(stream, HLS_OUTPUT_KEY);
    this.#options = options;
    this.#events = events;
    this.lastRequestAt = now;
    this.start();
  }

  /** Undefined until the stream has a description with a track HLS can carry. */
  get segmenter(): LlHlsSegmenter | undefined {
    return this.#segmenter;
  }

  onDescription(desc: StreamDescription): void {
    const tracks = mp4TracksFromDescription(desc, { audioCodecs: HLS_AUDIO_CODECS });
    const next = tracks.length === 0 ? undefined : new LlHlsSegmenter(tracks, this.#options);
    const key = next?.init.toString('base64');
    if (this.#segmenter !== undefined && key === this.#initKey) return; // same codec setup (a publisher came back)
    if (this.#segmenter !== undefined) {
      // Players hold the old init segment: they start over on a new muxer (the next request makes it).
      this.close();
      return;
    }
    this.#segmenter = next;
    this.#initKey = key;
  }

  onFrame(frame: Frame): void {
    const seg = this.#segmenter;
    if (seg === undefined) return;
    const before = seg.nextMsn;
    const parts = seg.push(frame);
    if (parts.length === 0) return;
    for (const p of parts) this.#events.onPart?.(p, seg.nextMsn !== before);
    this.#wake();
  }

  /** HLS has no reader queues: players fetch the parts the segmenter keeps. */
  protected replay(_frames: readonly Frame[]): [] {
    return [];
  }

  /** Whether `_HLS_msn`/`_HLS_part` (or a part request) is satisfied now. */
  has(msn: number, part: number | undefined): boolean {
    const seg = this.#segmenter;
    return seg !== undefined && blockingSatisfied(seg.nextMsn, seg.openParts.length, msn, part);
  }

  /** Resolves true once `has(msn, part)`, false on timeout or when the muxer closes. */
  waitFor(msn: number, part: number | undefined, timeoutMs: number): Promise<boolean> {
    if (this.has(msn, part)) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(false), timeoutMs);
      const waiter: Waiter = { msn, part, resolve: (ok) => finish(ok) };
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(ok);
      };
      this.#waiters.push(waiter);
    });
  }

  /** Counts what a request delivered (frames of the parts and their bytes) as output of the stream. */
  served(frames: number, bytes: number): void {
    this.countOut(frames, bytes);
  }

  override close(): void {
    if (this.closed) return;
    super.close();
    for (const w of [...this.#waiters]) w.resolve(false);
    this.#events.onClose?.();
  }

  #wake(): void {
    for (const w of [...this.#waiters]) if (this.has(w.msn, w.part)) w.resolve(true);
  }
}
