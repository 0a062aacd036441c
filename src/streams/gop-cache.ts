import type { Frame } from '../../protocols/media/frame.ts';

export interface GopCacheLimits {
  /** Frames kept at most; past it the cache empties until the next keyframe. Defaults to 1500. */
  readonly maxFrames: number;
  /** Payload bytes kept at most. Defaults to 16 MiB. */
  readonly maxBytes: number;
}

export const DEFAULT_GOP_LIMITS: GopCacheLimits = { maxFrames: 1500, maxBytes: 16 * 1024 * 1024 };

/**
 * Frames since the latest video keyframe (audio in between included), so a new reader's first
 * picture is that keyframe instead of waiting for the next one. Streams without video keep nothing.
 * Frames are kept by reference: the ingest hands us payloads nobody writes into again.
 */
export class GopCache {
  #frames: Frame[] = [];
  #bytes = 0;
  #limits: GopCacheLimits;

  constructor(limits: GopCacheLimits = DEFAULT_GOP_LIMITS) {
    this.#limits = limits;
  }

  get frames(): readonly Frame[] {
    return this.#frames;
  }

  push(frame: Frame): void {
    if (frame.track === 'video' && frame.keyframe) {
      this.#frames = [];
      this.#bytes = 0;
    } else if (this.#frames.length === 0) {
      return; // no keyframe yet: nothing a reader could start from
    }
    if (this.#frames.length >= this.#limits.maxFrames || this.#bytes + frame.payload.length > this.#limits.maxBytes) {
      // A GOP this long is not worth replaying; wait for the next keyframe.
      this.clear();
      return;
    }
    this.#frames.push(frame);
    this.#bytes += frame.payload.length;
  }

  clear(): void {
    this.#frames = [];
    this.#bytes = 0;
  }
}
