/**
 * One WHEP session: a werift peer connection answering a browser's (restricted) offer, sending
 * the stream's RTP packets on a send-only track per kind. It attaches to the stream's WebRTC
 * output once DTLS is up (werift drops packets before that), so the first packets it sends are
 * the cached GOP's keyframe. It ends on close(), when the peer connection fails or closes (browser
 * gone: DTLS close_notify or ICE consent lost), when it does not connect in time, and when the
 * stream ends; every end closes the peer connection, its UDP sockets and timers.
 */
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtcpRrPacket, type RTCIceServer } from 'werift';
import type { TrackKind } from '../../protocols/media/frame.ts';
import type { OfferChoice } from '../../protocols/webrtc/whep-offer.ts';
import type { ReaderTransport } from '../streams/types.ts';

export interface IceSettings {
  /** Addresses host candidates are gathered on (one UDP socket each). */
  readonly hostAddresses: readonly string[];
  /** Interface the UDP sockets bind (a specific bind host); undefined: the wildcard. */
  readonly bindAddress: string | undefined;
  /** UDP port range [min, max] for the sockets; undefined: any port. */
  readonly portRange: readonly [number, number] | undefined;
  readonly stunServers: readonly string[];
}

export interface WhepSessionEvents {
  /** DTLS is up: start sending. */
  onConnected(session: WhepSession): void;
  /** The session ended (once), with the reason. */
  onClosed(session: WhepSession, reason: string): void;
  /** Cumulative packets the browser reports lost (RTCP receiver reports), per kind, as it grows. */
  onPacketsLost(session: WhepSession, delta: number): void;
}

/** Time an answered session has to finish ICE and DTLS (ms). */
export const WHEP_CONNECT_TIMEOUT_MS = 15_000;
/**
 * A connected peer that sends no RTCP for this long is gone (ms). Browsers send receiver reports
 * about every second; werift 0.22 runs no ICE consent checks (RFC 7675), so a browser killed
 * without a DTLS close_notify would otherwise keep its session.
 */
export const WHEP_PEER_SILENCE_MS = 10_000;
/** Time ICE gathering may take before the answer goes out with what it has (ms). */
export const WHEP_GATHER_TIMEOUT_MS = 3_000;

/**
 * werift 0.22 puts Google's STUN server (stun.l.google.com:19302) on every ICE connection it is
 * given none for (ice.ts: `validateAddress(stunServer) ?? [...]`), queries it while gathering and
 * holds setLocalDescription until the answer or 5 s: every WHEP answer waited 5 s on a network
 * without that server, and contacted Google on every other one although webrtc.stunServers was
 * empty. Clears it on each ICE transport; call after the transports exist (after
 * setRemoteDescription for an answerer, createOffer for an offerer) and before setLocalDescription.
 */
export function withoutDefaultStun(pc: RTCPeerConnection): void {
  for (const t of pc.iceTransports) t.connection.stunServer = undefined;
}

export class WhepSession {
  readonly id: string;
  readonly remote: string;
  readonly #pc: RTCPeerConnection;
  readonly #tracks = new Map<TrackKind, MediaStreamTrack>();
  readonly #events: WhepSessionEvents;
  readonly #lost = new Map<number, number>();
  readonly #noStun: boolean;
  #connectTimer: NodeJS.Timeout | undefined;
  #silenceTimer: NodeJS.Timeout | undefined;
  #lastRtcpAt = 0;
  #closed = false;
  bytesSent = 0;
  packetsSent = 0;

  constructor(id: string, remote: string, choice: OfferChoice, ice: IceSettings, events: WhepSessionEvents) {
    this.id = id;
    this.remote = remote;
    this.#events = events;
    this.#noStun = ice.stunServers.length === 0;
    const codec = (kind: 'video' | 'audio'): RTCRtpCodecParameters[] => {
      const c = choice.media.find((m) => m.kind === kind)?.format;
      if (c === undefined) return [];
      return [
        new RTCRtpCodecParameters({
          mimeType: `${kind}/${c.encodingName}`,
          clockRate: c.clockRate,
          payloadType: c.payloadType,
          ...(c.channels !== undefined ? { channels: c.channels } : {}),
          ...(c.fmtp !== '' ? { parameters: c.fmtp } : {}),
          rtcpFeedback: kind === 'video' ? [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] : [],
        }),
      ];
    };
    const iceServers: RTCIceServer[] = ice.stunServers.map((urls) => ({ urls }));
    this.#pc = new RTCPeerConnection({
      codecs: { video: codec('video'), audio: codec('audio') },
      headerExtensions: { video: [], audio: [] },
      iceServers,
      // Candidates exactly on the listener's addresses: no interface enumeration on top.
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: [...ice.hostAddresses],
      ...(ice.bindAddress !== undefined ? { iceInterfaceAddresses: { udp4: ice.bindAddress, udp6: ice.bindAddress } } : {}),
      ...(ice.portRange !== undefined ? { icePortRange: [ice.portRange[0], ice.portRange[1]] as [number, number] } : {}),
    });
    this.#pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        clearTimeout(this.#connectTimer);
        this.#connectTimer = undefined;
        if (this.#closed) return;
        this.#lastRtcpAt = Date.now();
        this.#silenceTimer = setInterval(() => {
          if (Date.now() - this.#lastRtcpAt > WHEP_PEER_SILENCE_MS) this.close(`no RTCP from the peer for ${WHEP_PEER_SILENCE_MS} ms`);
        }, WHEP_PEER_SILENCE_MS / 4);
        this.#events.onConnected(this);
      } else if (state === 'failed' || state === 'closed' || state === 'disconnected') {
        this.close(`peer connection ${state}`);
      }
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Answers the restricted offer; resolves with the answer SDP (all candidates gathered, or the timeout). */
  async answer(offerSdp: string, choice: OfferChoice): Promise<string> {
    await this.#pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    if (this.#noStun) withoutDefaultStun(this.#pc);
    const transceivers = this.#pc.getTransceivers();
    for (const c of choice.media) {
      const t = transceivers.find((x) => x.mLineIndex === c.index) ?? transceivers[choice.media.indexOf(c)];
      if (t === undefined) continue;
      if (!c.send) {
        t.setDirection('inactive');
        continue;
      }
      const track = new MediaStreamTrack({ kind: c.kind });
      t.setDirection('sendonly');
      await t.sender.replaceTrack(track);
      this.#tracks.set(c.kind, track);
      t.sender.onRtcp.subscribe((packet) => this.#onRtcp(packet));
    }
    const answer = await this.#pc.createAnswer();
    await this.#pc.setLocalDescription(answer);
    await this.#gathered();
    if (this.#closed) throw new Error('session closed while answering');
    this.#connectTimer = setTimeout(() => this.close(`ICE/DTLS not connected within ${WHEP_CONNECT_TIMEOUT_MS} ms`), WHEP_CONNECT_TIMEOUT_MS);
    return this.#pc.localDescription?.sdp ?? answer.sdp;
  }

  /** Trickled remote candidates (WHEP PATCH, `a=candidate:` lines). */
  async addCandidates(candidates: readonly { candidate: string; mid: string | undefined }[]): Promise<void> {
    for (const c of candidates) {
      await this.#pc.addIceCandidate({ candidate: c.candidate, ...(c.mid !== undefined ? { sdpMid: c.mid } : {}) });
    }
  }

  /** The ReaderTransport the stream output writes this session's packets to. */
  transport(): ReaderTransport {
    return {
      pendingBytes: 0,
      writev: (buffers, kind) => {
        const track = this.#tracks.get(kind);
        if (track === undefined || this.#closed) return;
        for (const b of buffers) {
          track.writeRtp(b);
          this.bytesSent += b.length;
          this.packetsSent++;
        }
      },
      close: (reason) => this.close(reason),
    };
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    clearInterval(this.#silenceTimer);
    this.#silenceTimer = undefined;
    for (const t of this.#tracks.values()) t.stop();
    this.#tracks.clear();
    void this.#pc.close().catch(() => {
      // Closing a connection that never finished DTLS can reject; its sockets are closed either way.
    });
    this.#events.onClosed(this, reason);
  }

  #onRtcp(packet: unknown): void {
    this.#lastRtcpAt = Date.now();
    if (!(packet instanceof RtcpRrPacket)) return;
    for (const r of packet.reports) {
      const before = this.#lost.get(r.ssrc) ?? 0;
      // RFC 3550 §6.4.1: cumulative lost is a signed 24-bit count; duplicates can make it shrink.
      if (r.packetsLost > before) {
        this.#lost.set(r.ssrc, r.packetsLost);
        this.#events.onPacketsLost(this, r.packetsLost - before);
      }
    }
  }

  #gathered(): Promise<void> {
    if (this.#pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, WHEP_GATHER_TIMEOUT_MS);
      const sub = this.#pc.iceGatheringStateChange.subscribe((s) => {
        if (s === 'complete') done();
      });
      function done(): void {
        clearTimeout(timer);
        sub.unSubscribe();
        resolve();
      }
    });
  }
}
