/**
 * Follows one upstream (a slave's API): polls GET /api/v1/streams (the robust baseline) and keeps a
 * WebSocket on /api/v1/events for fast reaction (a stream.up/stream.down event triggers an immediate
 * poll, so the listing stays the single source of truth). Learns the slave's media ports from
 * GET /api/v1/node each time the upstream becomes reachable (a restarted slave may have moved); the
 * ports it last announced stay in effect until it announces others (never a fallback to defaults
 * while it is down).
 */
import type { Logger } from '../log/logger.ts';
import type { UpstreamSnapshot, UpstreamStream } from './plan.ts';
import { parseNodeInfo, parseStreamListing, type UpstreamNode, type UpstreamPorts } from './upstream-api.ts';
import type { EventSocket, EventSocketOptions } from './ws/event-socket.ts';
import type { ClientTls } from '../net/client-socket.ts';

export interface UpstreamConfig {
  /** Name in logs, metrics and the API. */
  readonly id: string;
  /** API base URL, e.g. http://slave:8080. */
  readonly apiUrl: string;
  /** Bearer token for its API. Never logged. */
  readonly apiToken?: string | undefined;
  /** Host of its RTMP/RTSP listeners. Defaults to the API URL's host. */
  readonly host?: string | undefined;
  /** Its media ports, used until (or when) its API does not announce them. */
  readonly ports?: Partial<UpstreamPorts> | undefined;
  /** Credentials for reading its factories over RTSP/RTMP, when they require them. */
  readonly readCredentials?: { readonly user: string; readonly pass: string } | undefined;
  /**
   * How its certificate is checked (HTTPS API, WSS events, RTMPS/RTSPS pulls): a CA to trust and/or
   * no verification. Unset: the system's CAs.
   */
  readonly tls?: ClientTls | undefined;
}

export const DEFAULT_UPSTREAM_PORTS: UpstreamPorts = Object.freeze({ rtmp: 1935, rtspRaw: 8554, rtspCompressed: 8555 });

export interface UpstreamWatchSettings {
  /** Listing poll period. Defaults to 1000 ms. */
  readonly pollIntervalMs: number;
  /** Per-request timeout of API calls. Defaults to 3000 ms. */
  readonly requestTimeoutMs: number;
  /** Follow /api/v1/events for fast reaction. Defaults to true. */
  readonly events: boolean;
}

export const DEFAULT_WATCH_SETTINGS: UpstreamWatchSettings = Object.freeze({ pollIntervalMs: 1000, requestTimeoutMs: 3000, events: true });

export interface UpstreamWatchDeps {
  readonly fetch: typeof fetch;
  readonly connectEvents: (o: EventSocketOptions) => EventSocket;
  readonly now: () => number;
  readonly log: Logger;
  /** Every poll result (also unchanged ones), with the previous snapshot. */
  onSnapshot(next: UpstreamSnapshot, previous: UpstreamSnapshot): void;
  /** The media ports in effect changed (learnt from the upstream's API). */
  onPorts?(ports: UpstreamPorts): void;
}

const EVENT_TYPES_THAT_POLL = new Set(['stream.up', 'stream.down']);

class HttpStatusError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export class UpstreamWatch {
  readonly config: UpstreamConfig;
  readonly #settings: UpstreamWatchSettings;
  readonly #deps: UpstreamWatchDeps;
  #snapshot: UpstreamSnapshot;
  #node: UpstreamNode | null = null;
  #timer: NodeJS.Timeout | null = null;
  #inFlight = false;
  #again = false;
  #closed = false;
  #events: EventSocket | null = null;
  #eventsOpen = false;
  #eventsOpenedAt = 0;
  /** The last node info request failed for a reason other than "not there": ask again. */
  #nodeStale = false;
  /** Ports last reported through onPorts. */
  #announcedPorts: UpstreamPorts | null = null;
  #lastError: string | null = null;

  constructor(config: UpstreamConfig, settings: UpstreamWatchSettings, deps: UpstreamWatchDeps) {
    this.config = config;
    this.#settings = settings;
    this.#deps = deps;
    this.#snapshot = { upstreamId: config.id, reachable: false, streams: null };
  }

  get snapshot(): UpstreamSnapshot {
    return this.#snapshot;
  }

  /** The last error of the API calls, null while reachable. */
  get lastError(): string | null {
    return this.#lastError;
  }

  get eventsConnected(): boolean {
    return this.#eventsOpen;
  }

  get node(): UpstreamNode | null {
    return this.#node;
  }

  /** Media host of the upstream. */
  get host(): string {
    return this.config.host ?? new URL(this.config.apiUrl).hostname;
  }

  /** Ports the upstream last announced, else the configured ones, else the defaults. */
  get ports(): UpstreamPorts {
    return { ...DEFAULT_UPSTREAM_PORTS, ...this.config.ports, ...this.#node?.ports };
  }

  start(): void {
    this.pollNow();
  }

  /** Polls at once (or right after the poll in flight). */
  pollNow(): void {
    if (this.#closed) return;
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    void this.#poll();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#events?.close();
    this.#events = null;
    this.#eventsOpen = false;
  }

  async #poll(): Promise<void> {
    this.#inFlight = true;
    const previous = this.#snapshot;
    let next: UpstreamSnapshot;
    try {
      // Without the event stream a restart cannot be seen: node info is then read at every poll.
      if (!previous.reachable || this.#node === null || this.#nodeStale || !this.#settings.events) await this.#learnNode();
      const fetchedAt = this.#deps.now();
      const streams: UpstreamStream[] = parseStreamListing(await this.#getJson('/api/v1/streams'), fetchedAt);
      next = { upstreamId: this.config.id, reachable: true, streams };
      if (this.#lastError !== null || !previous.reachable) this.#deps.log.info('upstream reachable', { upstream: this.config.id, streams: streams.length });
      this.#lastError = null;
    } catch (err) {
      // fetch says only "fetch failed"; the cause names it (refused, a certificate not trusted...).
      const cause = (err as Error).cause;
      const message = cause instanceof Error ? `${(err as Error).message}: ${cause.message}` : (err as Error).message;
      if (this.#lastError !== message) this.#deps.log.warn('upstream unreachable', { upstream: this.config.id, error: message });
      this.#lastError = message;
      next = { upstreamId: this.config.id, reachable: false, streams: previous.streams };
    }
    this.#inFlight = false;
    if (this.#closed) return;
    this.#snapshot = next;
    this.#deps.onSnapshot(next, previous);
    if (next.reachable) this.#ensureEvents();
    if (this.#again) {
      this.#again = false;
      this.pollNow();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#poll();
    }, this.#settings.pollIntervalMs);
    this.#timer.unref();
  }

  async #learnNode(): Promise<void> {
    try {
      this.#node = parseNodeInfo(await this.#getJson('/api/v1/node'));
      this.#nodeStale = false;
    } catch (err) {
      if (err instanceof HttpStatusError && err.status === 404) {
        // An API without /api/v1/node: the configured ports are used (or those announced before).
        this.#node ??= { ports: {} };
        this.#nodeStale = false;
      } else {
        // A timeout or a failed request says nothing about the ports: keep what we knew and ask
        // again at the next poll (falling back to defaults for good would pull from wrong ports).
        this.#nodeStale = true;
      }
      this.#deps.log.debug('upstream node info unavailable', { upstream: this.config.id, error: (err as Error).message });
    }
    const after = this.ports;
    const before = this.#announcedPorts;
    if (before === null || before.rtmp !== after.rtmp || before.rtspRaw !== after.rtspRaw || before.rtspCompressed !== after.rtspCompressed) {
      this.#announcedPorts = after;
      this.#deps.log.info('upstream media ports', { upstream: this.config.id, host: this.host, ...after });
      this.#deps.onPorts?.(after);
    }
  }

  async #getJson(path: string): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.config.apiToken !== undefined) headers.authorization = `Bearer ${this.config.apiToken}`;
    const res = await this.#deps.fetch(new URL(path, this.config.apiUrl), {
      headers,
      signal: AbortSignal.timeout(this.#settings.requestTimeoutMs),
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new HttpStatusError(res.status, `GET ${path}: HTTP ${res.status}`);
    }
    return (await res.json()) as unknown;
  }

  #ensureEvents(): void {
    if (!this.#settings.events || this.#events !== null || this.#closed) return;
    const url = new URL('/api/v1/events', this.config.apiUrl).toString();
    this.#events = this.#deps.connectEvents({
      url,
      token: this.config.apiToken,
      ...(this.config.tls !== undefined ? { tls: this.config.tls } : {}),
      connectTimeoutMs: this.#settings.requestTimeoutMs,
      onOpen: () => {
        this.#eventsOpen = true;
        this.#eventsOpenedAt = this.#deps.now();
        this.#deps.log.debug('upstream events connected', { upstream: this.config.id });
        this.pollNow(); // catch what happened before the subscription
      },
      onEvent: (event) => {
        const type = typeof event === 'object' && event !== null ? (event as { type?: unknown }).type : undefined;
        if (typeof type === 'string' && EVENT_TYPES_THAT_POLL.has(type)) this.pollNow();
      },
      onClose: (reason) => {
        // Reconnected by the next successful poll: the poll period bounds the retry rate.
        const wasOpen = this.#eventsOpen;
        this.#events = null;
        this.#eventsOpen = false;
        if (!wasOpen || this.#closed) return;
        this.#deps.log.debug('upstream events closed', { upstream: this.config.id, reason });
        // The upstream may have restarted (faster than a poll period) on other media ports: ask for
        // its node info again, and look at once rather than at the next period — unless the socket
        // lived less than a period (an upstream that keeps dropping it must not make us spin). The
        // ports it last announced stay in effect until it announces others: while it is down, a
        // fallback to the configured/default ports would pull from whatever else serves those.
        this.#nodeStale = true;
        if (this.#deps.now() - this.#eventsOpenedAt >= this.#settings.pollIntervalMs) this.pollNow();
      },
    });
  }
}
