/**
 * Compression failover on the master: when a camera's compressed stream from the slave has been
 * missing for `afterMs` while its raw stream is live on the master, the master compresses it itself;
 * when the slave's compressed stream returns, the master stops. Pure: the runner passes observations
 * and the time, and starts/stops the workers this returns.
 */

export interface FailoverSettings {
  /**
   * How long a camera's compressed stream must be missing (while its raw stream is live) before the
   * master starts its own worker; also how long the raw stream must be gone before that worker is
   * stopped. Defaults to 10 000 ms.
   */
  readonly afterMs: number;
}

export const DEFAULT_FAILOVER: FailoverSettings = Object.freeze({ afterMs: 10_000 });

export interface CameraObservation {
  /** Camera path (`site/camera`), the same on both factories. */
  readonly path: string;
  /** The camera's raw stream is live on the master (replicated or published directly). */
  readonly rawLive: boolean;
  /** The slave's compressed stream is available: listed live by the slave or pulled live by us. */
  readonly upstreamCompressed: boolean;
  /** Compression is enabled for this camera. */
  readonly wanted: boolean;
}

export interface FailoverDecision {
  readonly start: readonly string[];
  readonly stop: readonly string[];
}

export class CompressionFailoverPlan {
  readonly #settings: FailoverSettings;
  /** path -> since when the compressed stream is missing while the raw one is live. */
  #missingSince = new Map<string, number>();
  /** path -> since when the raw stream of a camera we compress is gone. */
  #rawGoneSince = new Map<string, number>();
  #active = new Set<string>();

  constructor(settings: FailoverSettings = DEFAULT_FAILOVER) {
    this.#settings = settings;
  }

  /** Cameras the master compresses itself. */
  get active(): ReadonlySet<string> {
    return this.#active;
  }

  /** Feeds the current observation of every camera; cameras not observed are treated as gone. */
  update(observations: Iterable<CameraObservation>, now: number): FailoverDecision {
    const start: string[] = [];
    const stop: string[] = [];
    const seen = new Set<string>();
    for (const o of observations) {
      seen.add(o.path);
      if (this.#active.has(o.path)) {
        if (this.#shouldStop(o, now)) {
          this.#active.delete(o.path);
          this.#rawGoneSince.delete(o.path);
          stop.push(o.path);
        }
        continue;
      }
      if (!(o.wanted && o.rawLive && !o.upstreamCompressed)) {
        this.#missingSince.delete(o.path);
        continue;
      }
      const since = this.#missingSince.get(o.path) ?? now;
      this.#missingSince.set(o.path, since);
      if (now - since >= this.#settings.afterMs) {
        this.#missingSince.delete(o.path);
        this.#active.add(o.path);
        start.push(o.path);
      }
    }
    for (const path of [...this.#active]) {
      if (seen.has(path)) continue;
      this.#active.delete(path);
      this.#rawGoneSince.delete(path);
      stop.push(path);
    }
    for (const path of [...this.#missingSince.keys()]) if (!seen.has(path)) this.#missingSince.delete(path);
    return { start, stop };
  }

  /** Forgets every camera; returns the ones that were compressed (to stop them). */
  clear(): string[] {
    const active = [...this.#active];
    this.#active.clear();
    this.#missingSince.clear();
    this.#rawGoneSince.clear();
    return active;
  }

  #shouldStop(o: CameraObservation, now: number): boolean {
    if (o.upstreamCompressed || !o.wanted) return true;
    if (o.rawLive) {
      this.#rawGoneSince.delete(o.path);
      return false;
    }
    // The raw stream may be between publishers (slave lost, camera moving to its backup URL):
    // keep the worker for the same grace before giving up on the camera.
    const since = this.#rawGoneSince.get(o.path) ?? now;
    this.#rawGoneSince.set(o.path, since);
    return now - since >= this.#settings.afterMs;
  }
}
