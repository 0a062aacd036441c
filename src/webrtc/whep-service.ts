/**
 * WHEP sessions of this node: admits an offer (camera live, session cap, offer parsed and
 * restricted to formats the stream carries as is), answers it with a WhepSession, attaches the
 * session to the stream's WebRTC output once connected, and forgets it however it ends. The HTTP
 * glue (src/webrtc/whep-routes.ts) maps WhepError statuses to replies.
 */
import { randomBytes } from 'node:crypto';
import { ProtocolError } from '../../protocols/errors.ts';
import { chooseFormats, parseOffer, restrictOffer, addAdvertisedCandidates, type StreamFormats } from '../../protocols/webrtc/whep-offer.ts';
import type { StreamDescription } from '../../protocols/media/frame.ts';
import type { Logger } from '../log/logger.ts';
import type { ReaderQueueOptions } from '../streams/reader-queue.ts';
import type { StreamRegistry } from '../streams/registry.ts';
import type { Stream } from '../streams/stream.ts';
import type { FactoryName } from '../streams/types.ts';
import { WebrtcOutput, WEBRTC_OUTPUT_KEY } from './webrtc-output.ts';
import type { IceSettings, WhepSession } from './whep-session.ts';

/**
 * whep-session.ts (and with it werift, about 30 MB of RSS) is loaded at the first offer, not at
 * start-up: most nodes never answer one.
 */
let whepSessionModule: Promise<typeof import('./whep-session.ts')> | undefined;
const loadWhepSession = (): Promise<typeof import('./whep-session.ts')> => (whepSessionModule ??= import('./whep-session.ts'));

export class WhepError extends Error {
  override readonly name = 'WhepError';
  constructor(
    readonly status: 400 | 404 | 503,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The WebRTC events metrics count, per factory. */
export interface WebrtcMetrics {
  sessionOpened(factory: FactoryName): void;
  sessionClosed(factory: FactoryName): void;
  sessionRefused(factory: FactoryName, reason: 'bad-offer' | 'not-live' | 'session-cap'): void;
  bytesSent(factory: FactoryName, bytes: number, packets: number): void;
  packetsLost(factory: FactoryName, packets: number): void;
}

export interface WhepServiceOptions {
  readonly registries: Readonly<Record<FactoryName, StreamRegistry>>;
  /** Sessions at once on this node (webrtc.maxSessions); one more gets 503. */
  readonly maxSessions: number;
  readonly ice: IceSettings;
  /** Extra addresses put as host candidates with the same port (webrtc.advertisedHosts). */
  readonly advertisedHosts: readonly string[];
  readonly readerQueue: ReaderQueueOptions;
  readonly log: Logger;
  readonly metrics?: WebrtcMetrics;
  readonly now?: () => number;
  readonly random?: () => number;
}

export interface WhepSessionInfo {
  readonly id: string;
  readonly factory: FactoryName;
  readonly path: string;
  readonly remote: string;
  readonly connected: boolean;
  readonly bytesSent: number;
  readonly packetsSent: number;
}

interface Entry {
  readonly session: WhepSession;
  readonly factory: FactoryName;
  readonly path: string;
  connected: boolean;
  detach: () => void;
  uncount: () => void;
  /** Bytes and packets already reported to metrics. */
  reportedBytes: number;
  reportedPackets: number;
}

export interface WhepAnswer {
  readonly id: string;
  readonly sdp: string;
  /** Set when the stream has audio that is not sent (AAC: video only). */
  readonly audioNotSent: string | undefined;
}

/** How often sent bytes are folded into the metrics counters (ms). */
const METRICS_FOLD_MS = 1000;

export function streamFormats(desc: StreamDescription): StreamFormats {
  const a = desc.audio;
  return {
    ...(desc.video !== undefined ? { video: { codec: desc.video.codec, ...(desc.video.profile !== undefined ? { profile: desc.video.profile } : {}) } } : {}),
    ...(a !== undefined ? { audio: { codec: a.codec === 'pcmu' || a.codec === 'pcma' ? a.codec : 'other', sampleRate: a.sampleRate, channels: a.channels } } : {}),
  };
}

export class WhepService {
  readonly #o: WhepServiceOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #random: () => number;
  #foldTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: WhepServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  get sessionCount(): number {
    return this.#entries.size;
  }

  list(): WhepSessionInfo[] {
    return [...this.#entries.entries()].map(([id, e]) => ({
      id,
      factory: e.factory,
      path: e.path,
      remote: e.session.remote,
      connected: e.connected,
      bytesSent: e.session.bytesSent,
      packetsSent: e.session.packetsSent,
    }));
  }

  has(id: string, factory: FactoryName, path: string): boolean {
    const e = this.#entries.get(id);
    return e !== undefined && e.factory === factory && e.path === path;
  }

  /** Answers an offer for `factory`/`path`; throws WhepError (400 bad offer, 404 not live, 503 cap). */
  async offer(factory: FactoryName, path: string, sdp: string, remote: string): Promise<WhepAnswer> {
    const { WhepSession } = await loadWhepSession(); // first, so no check below is separated from its use by an await
    const refuse = (status: 400 | 404 | 503, reason: 'bad-offer' | 'not-live' | 'session-cap', message: string, code?: string): WhepError => {
      this.#o.metrics?.sessionRefused(factory, reason);
      return new WhepError(status, message, code);
    };
    const stream = this.#o.registries[factory].get(path);
    const desc = stream?.description;
    if (this.#closed || stream === undefined || !stream.live || desc === null || desc === undefined) {
      throw refuse(404, 'not-live', `camera "${path}" is not live on factory ${factory}`);
    }
    if (this.#entries.size >= this.#o.maxSessions) {
      throw refuse(503, 'session-cap', `${this.#o.maxSessions} WebRTC sessions already (webrtc.maxSessions)`);
    }
    let restricted: string;
    let choice;
    try {
      const parsed = parseOffer(sdp);
      choice = chooseFormats(parsed, streamFormats(desc));
      restricted = restrictOffer(parsed, choice);
    } catch (err) {
      if (err instanceof ProtocolError) throw refuse(400, 'bad-offer', err.message, err.code);
      throw err;
    }
    const id = randomBytes(16).toString('hex');
    const log = this.#o.log.child({ session: id, path, factory });
    const session = new WhepSession(id, remote, choice, this.#o.ice, {
      onConnected: () => this.#attach(id, stream),
      onClosed: (_s, reason) => this.#forget(id, reason),
      onPacketsLost: (_s, n) => this.#o.metrics?.packetsLost(factory, n),
    });
    const entry: Entry = { session, factory, path, connected: false, detach: () => {}, uncount: () => {}, reportedBytes: 0, reportedPackets: 0 };
    this.#entries.set(id, entry);
    this.#o.metrics?.sessionOpened(factory);
    this.#startFolding();
    let answer: string;
    try {
      answer = await session.answer(restricted, choice);
    } catch (err) {
      session.close('answer failed');
      // werift refuses some offers only at negotiation (e.g. a codec it cannot map): still the offer's fault.
      throw refuse(400, 'bad-offer', `cannot answer the offer: ${(err as Error).message}`, 'WEBRTC_OFFER_UNSUPPORTED');
    }
    answer = addAdvertisedCandidates(answer, this.#o.advertisedHosts);
    const video = choice.video?.format;
    log.info('WHEP session answered', {
      remote,
      video: video === undefined ? null : `${video.encodingName}/${video.payloadType} ${video.fmtp}`,
      audio: choice.audio === undefined ? null : choice.audio.format.encodingName,
      ...(choice.audioNotSent !== undefined ? { audioNotSent: choice.audioNotSent } : {}),
    });
    return { id, sdp: answer, audioNotSent: choice.audioNotSent };
  }

  /** Ends a session (WHEP DELETE); false when there is none with this id. */
  end(id: string, reason = 'ended by the client (DELETE)'): boolean {
    const e = this.#entries.get(id);
    if (e === undefined) return false;
    e.session.close(reason);
    return true;
  }

  /** Trickled candidates (WHEP PATCH with an SDP fragment). */
  async trickle(id: string, fragment: string): Promise<boolean> {
    const e = this.#entries.get(id);
    if (e === undefined) return false;
    let mid: string | undefined;
    const candidates: { candidate: string; mid: string | undefined }[] = [];
    for (const line of fragment.split(/\r?\n/)) {
      if (line.startsWith('a=mid:')) mid = line.slice(6).trim();
      else if (line.startsWith('a=candidate:')) candidates.push({ candidate: line.slice(2), mid });
    }
    await e.session.addCandidates(candidates);
    return true;
  }

  close(): void {
    this.#closed = true;
    for (const e of [...this.#entries.values()]) e.session.close('server closing');
    clearInterval(this.#foldTimer);
    this.#foldTimer = undefined;
  }

  #attach(id: string, stream: Stream): void {
    const e = this.#entries.get(id);
    if (e === undefined) return;
    // The stream may have ended (or been replaced) while ICE and DTLS ran.
    if (this.#o.registries[e.factory].get(e.path) !== stream || !stream.live) {
      e.session.close('stream ended before the session connected');
      return;
    }
    e.connected = true;
    const output = stream.output(WEBRTC_OUTPUT_KEY, () => new WebrtcOutput(stream, { random: this.#random }));
    e.uncount = stream.addReader('webrtc', e.session.remote);
    e.detach = output.addReader(e.session.transport(), { options: this.#o.readerQueue, now: this.#now });
    this.#o.log.info('WHEP session connected', { session: id, path: e.path, factory: e.factory, remote: e.session.remote });
  }

  #forget(id: string, reason: string): void {
    const e = this.#entries.get(id);
    if (e === undefined) return;
    this.#entries.delete(id);
    e.detach();
    e.uncount();
    this.#fold(e);
    this.#o.metrics?.sessionClosed(e.factory);
    this.#o.log.info('WHEP session ended', { session: id, path: e.path, factory: e.factory, reason, bytesSent: e.session.bytesSent });
    if (this.#entries.size === 0) {
      clearInterval(this.#foldTimer);
      this.#foldTimer = undefined;
    }
  }

  #startFolding(): void {
    if (this.#foldTimer !== undefined || this.#o.metrics === undefined) return;
    this.#foldTimer = setInterval(() => {
      for (const e of this.#entries.values()) this.#fold(e);
    }, METRICS_FOLD_MS);
    this.#foldTimer.unref();
  }

  #fold(e: Entry): void {
    const bytes = e.session.bytesSent - e.reportedBytes;
    const packets = e.session.packetsSent - e.reportedPackets;
    if (bytes === 0 && packets === 0) return;
    e.reportedBytes = e.session.bytesSent;
    e.reportedPackets = e.session.packetsSent;
    this.#o.metrics?.bytesSent(e.factory, bytes, packets);
  }
}
