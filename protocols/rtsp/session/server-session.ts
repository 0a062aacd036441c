/**
 * One RTSP server session (RFC 2326 §A.2) as a discriminated union of states, checked on every
 * request the way gortsplib's ServerSession.checkState is. Created by the first SETUP; lives until
 * TEARDOWN, timeout, or the close of the connection that carries its interleaved data.
 */
import type { SessionDescription } from '../sdp/session-description.ts';

export type PortPairTuple = readonly [number, number];

export type TrackTransport =
  /** RTP and RTCP interleaved on the RTSP connection with these channel numbers. */
  | { readonly kind: 'tcp'; readonly channels: PortPairTuple }
  /** RTP and RTCP over UDP between the server's port pair and the client's. */
  | { readonly kind: 'udp'; readonly clientHost: string; readonly clientPorts: PortPairTuple; readonly serverPorts: PortPairTuple };

export interface TrackSetup {
  /** Index of the media section in the session's SDP. */
  readonly trackIndex: number;
  /** Absolute URL of the track (for RTP-Info). */
  readonly url: string;
  readonly transport: TrackTransport;
}

export type RtspServerSessionState =
  | { readonly kind: 'initial' }
  | { readonly kind: 'pre-play'; readonly path: string; readonly sdp: SessionDescription }
  | { readonly kind: 'play'; readonly path: string; readonly sdp: SessionDescription }
  | { readonly kind: 'pre-record'; readonly path: string; readonly sdp: SessionDescription }
  | { readonly kind: 'record'; readonly path: string; readonly sdp: SessionDescription };

export type RtspServerSessionStateKind = RtspServerSessionState['kind'];

export class RtspServerSession {
  readonly id: string;
  /** Connection whose SETUP created the session; interleaved data flows on it. */
  readonly connectionId: string;
  readonly timeoutSec: number;
  #state: RtspServerSessionState = { kind: 'initial' };
  readonly #setups: TrackSetup[] = [];
  #lastActivityMs: number;

  constructor(id: string, connectionId: string, timeoutSec: number, nowMs: number) {
    this.id = id;
    this.connectionId = connectionId;
    this.timeoutSec = timeoutSec;
    this.#lastActivityMs = nowMs;
  }

  get state(): RtspServerSessionState {
    return this.#state;
  }

  get setups(): readonly TrackSetup[] {
    return this.#setups;
  }

  /** Path of the stream the session plays or records, once SETUP chose it. */
  get path(): string | undefined {
    return this.#state.kind === 'initial' ? undefined : this.#state.path;
  }

  get lastActivityMs(): number {
    return this.#lastActivityMs;
  }

  /** Any request or incoming RTP/RTCP for the session keeps it alive. */
  touch(nowMs: number): void {
    this.#lastActivityMs = nowMs;
  }

  isExpired(nowMs: number): boolean {
    return nowMs - this.#lastActivityMs > this.timeoutSec * 1000;
  }

  /** True when the session is in one of the allowed states (RFC 2326 §A.2's table). */
  checkState(allowed: readonly RtspServerSessionStateKind[]): boolean {
    return allowed.includes(this.#state.kind);
  }

  usesTcp(): boolean {
    return this.#setups.some((s) => s.transport.kind === 'tcp');
  }

  hasTrack(trackIndex: number): boolean {
    return this.#setups.some((s) => s.trackIndex === trackIndex);
  }

  /** Channels already bound on this session (to refuse a duplicate interleaved pair). */
  usedChannels(): Set<number> {
    const out = new Set<number>();
    for (const s of this.#setups) if (s.transport.kind === 'tcp') for (const c of s.transport.channels) out.add(c);
    return out;
  }

  /** First SETUP chooses the stream: play what is published, or record what this client announced. */
  begin(mode: 'play' | 'record', path: string, sdp: SessionDescription): void {
    if (this.#state.kind !== 'initial') throw new Error(`begin() in state ${this.#state.kind}`);
    this.#state = { kind: mode === 'play' ? 'pre-play' : 'pre-record', path, sdp };
  }

  addSetup(setup: TrackSetup): void {
    if (this.#state.kind !== 'pre-play' && this.#state.kind !== 'pre-record') throw new Error(`SETUP in state ${this.#state.kind}`);
    this.#setups.push(setup);
  }

  /** PLAY / RECORD from the matching pre- state; PAUSE back to it. */
  transition(to: 'play' | 'record' | 'pre-play' | 'pre-record'): void {
    const s = this.#state;
    if (s.kind === 'initial') throw new Error(`transition to ${to} before SETUP`);
    const playing = to === 'play' || to === 'pre-play';
    const wasPlaying = s.kind === 'play' || s.kind === 'pre-play';
    if (playing !== wasPlaying) throw new Error(`transition from ${s.kind} to ${to}`);
    this.#state = { kind: to, path: s.path, sdp: s.sdp };
  }
}
