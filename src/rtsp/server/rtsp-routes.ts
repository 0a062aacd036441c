/**
 * Where incoming RTP/RTCP goes: interleaved channels per connection, and UDP source addresses
 * (`host:port`) per shared server socket. Entries exist only for started sessions, so the maps
 * are bounded by the session cap.
 */
export interface MediaRoute {
  readonly sessionId: string;
  /** Media section index in the session's SDP. */
  readonly mediaIndex: number;
  readonly kind: 'rtp' | 'rtcp';
}

export class RtspRoutes {
  readonly #channels = new Map<string, Map<number, MediaRoute>>();
  readonly #udpRtp = new Map<string, MediaRoute>();
  readonly #udpRtcp = new Map<string, MediaRoute>();
  readonly #bySession = new Map<string, (() => void)[]>();

  addChannel(connectionId: string, channel: number, route: MediaRoute): void {
    let m = this.#channels.get(connectionId);
    if (m === undefined) this.#channels.set(connectionId, (m = new Map()));
    m.set(channel, route);
    this.#undo(route.sessionId, () => m.delete(channel));
  }

  addUdp(host: string, port: number, route: MediaRoute): void {
    const map = route.kind === 'rtp' ? this.#udpRtp : this.#udpRtcp;
    const key = `${host}:${port}`;
    map.set(key, route);
    this.#undo(route.sessionId, () => {
      if (map.get(key) === route) map.delete(key);
    });
  }

  channel(connectionId: string, channel: number): MediaRoute | undefined {
    return this.#channels.get(connectionId)?.get(channel);
  }

  udp(kind: 'rtp' | 'rtcp', host: string, port: number): MediaRoute | undefined {
    return (kind === 'rtp' ? this.#udpRtp : this.#udpRtcp).get(`${host}:${port}`);
  }

  removeSession(sessionId: string): void {
    for (const fn of this.#bySession.get(sessionId) ?? []) fn();
    this.#bySession.delete(sessionId);
  }

  removeConnection(connectionId: string): void {
    this.#channels.delete(connectionId);
  }

  #undo(sessionId: string, fn: () => void): void {
    const list = this.#bySession.get(sessionId);
    if (list === undefined) this.#bySession.set(sessionId, [fn]);
    else list.push(fn);
  }
}
