/**
 * Master-side failover of pulled cameras (`sources.failover`): while the slave that pulls a camera
 * has been unreachable for `afterMs`, the master pulls the camera's source itself; once the slave
 * answers again it hands the camera back (its pull stops and replication of the slave's copy
 * resumes), as compression failover does. Pure: the caller feeds reachability and the time.
 */

export interface UpstreamReachability {
  readonly id: string;
  readonly reachable: boolean;
}

export class SourceFailoverPlan {
  readonly afterMs: number;
  /** Upstream id -> when it was first seen unreachable (ms). */
  readonly #downSince = new Map<string, number>();

  constructor(afterMs: number) {
    this.afterMs = afterMs;
  }

  /** Records what the upstreams' last polls said. */
  observe(upstreams: readonly UpstreamReachability[], now: number): void {
    const known = new Set<string>();
    for (const u of upstreams) {
      known.add(u.id);
      if (u.reachable) this.#downSince.delete(u.id);
      else if (!this.#downSince.has(u.id)) this.#downSince.set(u.id, now);
    }
    for (const id of [...this.#downSince.keys()]) if (!known.has(id)) this.#downSince.delete(id);
  }

  /**
   * Whether the master pulls a camera itself: every upstream that may serve it (the one replicating
   * it, else all of them) has been unreachable for afterMs. No upstream: never.
   */
  active(upstreamIds: readonly string[], now: number): boolean {
    if (upstreamIds.length === 0) return false;
    return upstreamIds.every((id) => {
      const since = this.#downSince.get(id);
      return since !== undefined && now - since >= this.afterMs;
    });
  }
}
