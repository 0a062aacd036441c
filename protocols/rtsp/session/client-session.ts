/**
 * The pure RTSP client (RFC 2326 §A.1): builds each request and consumes each response, walking
 * OPTIONS → DESCRIBE → SETUP per track → PLAY for reading, or OPTIONS → ANNOUNCE → SETUP per track
 * (mode=record) → RECORD for pushing. Retries once with credentials on 401. The socket glue in
 * src/rtsp/client sends what it returns and feeds back what arrives.
 */
import { ProtocolError } from '../../errors.ts';
import { RtspClientAuth, type ClientCredentials } from '../auth/client-auth.ts';
import { contentBase } from '../headers/content-base.ts';
import { parseCSeq } from '../headers/cseq.ts';
import { parsePublic } from '../headers/public.ts';
import { parseRtpInfo, type RtpInfoEntry } from '../headers/rtp-info.ts';
import { parseRtspUrl, stripCredentials } from '../headers/rtsp-url.ts';
import { DEFAULT_SESSION_TIMEOUT_SEC, parseSessionHeader } from '../headers/session-header.ts';
import { formatTransport, parseTransports, type RtspTransport } from '../headers/transport.ts';
import { createRequest } from '../message/message-writer.ts';
import { RtspMethod, type RtspRequest, type RtspResponse } from '../message/rtsp-message.ts';
import { RtspStatus } from '../message/status-codes.ts';
import { buildSdp } from '../sdp/build-sdp.ts';
import { mediaUrls } from '../sdp/control-url.ts';
import { mediaRtpFormats, type SdpRtpFormat } from '../sdp/media-formats.ts';
import { parseSdp } from '../sdp/parse-sdp.ts';
import type { SdpMedia, SessionDescription } from '../sdp/session-description.ts';
import type { PortPairTuple } from './server-session.ts';

export type ClientTrackTransport =
  | { readonly kind: 'tcp'; readonly channels: PortPairTuple }
  | { readonly kind: 'udp'; readonly clientPorts: PortPairTuple; readonly serverPorts?: PortPairTuple };

export interface ClientTrack {
  readonly index: number;
  readonly media: SdpMedia;
  /** Absolute control URL to SETUP. */
  readonly url: string;
  /** First RTP payload format of the media (what rtpmap/fmtp say). */
  readonly format?: SdpRtpFormat;
  transport?: ClientTrackTransport;
}

export interface RtspClientSessionOptions {
  /** rtsp:// URL; user info, if any, supplies the credentials. */
  readonly url: string;
  readonly mode: 'play' | 'record';
  readonly transport: 'tcp' | 'udp';
  /** record: the SDP to ANNOUNCE (controls are added as `streamid=N` when absent). */
  readonly announce?: SessionDescription;
  /** udp: local RTP/RTCP port pairs, used in SETUP order; tracks beyond the last pair are skipped. */
  readonly clientPorts?: readonly PortPairTuple[];
  /** play: which media to SETUP. Defaults to every media with an RTP format. */
  readonly selectTracks?: (tracks: readonly ClientTrack[]) => readonly number[];
  readonly credentials?: ClientCredentials;
  readonly userAgent?: string;
  /** Client nonce source for Digest with qop=auth. */
  readonly cnonce?: () => string;
}

export type RtspClientStep =
  | { readonly kind: 'request'; readonly request: RtspRequest }
  | { readonly kind: 'playing'; readonly sdp: SessionDescription; readonly tracks: readonly ClientTrack[]; readonly rtpInfo: readonly RtpInfoEntry[] }
  | { readonly kind: 'recording'; readonly tracks: readonly ClientTrack[] }
  /** A keepalive or TEARDOWN was answered; nothing to do. */
  | { readonly kind: 'idle' };

export type RtspClientState = 'initial' | 'options' | 'describe' | 'announce' | 'setup' | 'play' | 'record' | 'playing' | 'recording' | 'closed';

/** Most requests in flight at once (the handshake sends one at a time; keepalives may overlap). */
const MAX_PENDING = 8;

export class RtspClientSession {
  readonly options: RtspClientSessionOptions;
  readonly #url: string;
  readonly #auth: RtspClientAuth | undefined;
  #state: RtspClientState = 'initial';
  #cseq = 0;
  readonly #pending = new Map<number, { request: RtspRequest; authRetried: boolean }>();
  #sessionId: string | undefined;
  #timeoutSec = DEFAULT_SESSION_TIMEOUT_SEC;
  #serverMethods: string[] = [];
  #sdp: SessionDescription | undefined;
  #tracks: ClientTrack[] = [];
  #setupQueue: number[] = [];
  #setupIndex: number | undefined;
  #nextChannel = 0;
  #udpPairsUsed = 0;

  constructor(options: RtspClientSessionOptions) {
    this.options = options;
    const parsed = parseRtspUrl(options.url);
    this.#url = stripCredentials(options.url);
    const credentials = options.credentials ?? (parsed.username === undefined ? undefined : { username: parsed.username, password: parsed.password ?? '' });
    this.#auth = credentials === undefined ? undefined : new RtspClientAuth(credentials, options.cnonce);
    if (options.mode === 'record' && options.announce === undefined) throw new RangeError('record mode needs an SDP to announce');
  }

  get state(): RtspClientState {
    return this.#state;
  }

  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  get tracks(): readonly ClientTrack[] {
    return this.#tracks;
  }

  /** Half the session timeout the server announced (RFC 2326 §12.37), in ms. */
  get keepaliveIntervalMs(): number {
    return Math.max(1, this.#timeoutSec) * 500;
  }

  /** The first request (OPTIONS). */
  start(): RtspRequest {
    if (this.#state !== 'initial') throw stateError('start', this.#state);
    this.#state = 'options';
    return this.#request(RtspMethod.Options, this.#url);
  }

  /** GET_PARAMETER when the server lists it in Public, else OPTIONS (RFC 2326 §10.8). */
  keepalive(): RtspRequest {
    if (this.#state !== 'playing' && this.#state !== 'recording') throw stateError('keepalive', this.#state);
    const method = this.#serverMethods.includes(RtspMethod.GetParameter) ? RtspMethod.GetParameter : RtspMethod.Options;
    return this.#request(method, this.#url);
  }

  teardown(): RtspRequest {
    this.#state = 'closed';
    return this.#request(RtspMethod.Teardown, this.#url);
  }

  /** Consumes a response; returns the next request to send, or what the session became. */
  onResponse(res: RtspResponse): RtspClientStep {
    const cseq = parseCSeq(res.headers.get('CSeq'));
    const pending = this.#pending.get(cseq);
    if (pending === undefined) throw new ProtocolError('RTSP_CLIENT_UNEXPECTED_RESPONSE', `response with unknown CSeq ${cseq}`);
    this.#pending.delete(cseq);
    const method = pending.request.method;
    if (res.statusCode === RtspStatus.Unauthorized) return this.#retryWithAuth(pending, res);
    if (this.#state === 'closed') return { kind: 'idle' };
    if ((method === RtspMethod.Options || method === RtspMethod.GetParameter) && (this.#state === 'playing' || this.#state === 'recording')) {
      return { kind: 'idle' };
    }
    // Some cameras answer OPTIONS with an error yet serve DESCRIBE fine.
    if (res.statusCode >= 300 && method !== RtspMethod.Options) {
      throw new ProtocolError('RTSP_CLIENT_BAD_STATUS', `${method} ${this.#url}: ${res.statusCode} ${res.reason}`);
    }
    this.#readSession(res);
    switch (method) {
      case RtspMethod.Options:
        return this.#afterOptions(res);
      case RtspMethod.Describe:
        return this.#afterDescribe(res);
      case RtspMethod.Announce:
        return this.#afterAnnounce();
      case RtspMethod.Setup:
        return this.#afterSetup(res);
      case RtspMethod.Play:
        this.#state = 'playing';
        return { kind: 'playing', sdp: this.#sdp!, tracks: this.#setUpTracks(), rtpInfo: rtpInfoOf(res) };
      case RtspMethod.Record:
        this.#state = 'recording';
        return { kind: 'recording', tracks: this.#setUpTracks() };
      default:
        return { kind: 'idle' };
    }
  }

  #afterOptions(res: RtspResponse): RtspClientStep {
    const publicHeader = res.headers.get('Public');
    if (res.statusCode < 300 && publicHeader !== undefined) this.#serverMethods = parsePublic(publicHeader);
    if (this.options.mode === 'play') {
      this.#state = 'describe';
      return this.#send(RtspMethod.Describe, this.#url, { Accept: 'application/sdp' });
    }
    this.#state = 'announce';
    const sdp = withControls(this.options.announce!);
    this.#sdp = sdp;
    return this.#send(RtspMethod.Announce, this.#url, { 'Content-Type': 'application/sdp' }, buildSdp(sdp));
  }

  #afterDescribe(res: RtspResponse): RtspClientStep {
    const sdp = parseSdp(res.body);
    this.#sdp = sdp;
    this.#tracks = tracksOf(sdp, contentBase(res.headers, this.#url));
    const selected = this.options.selectTracks?.(this.#tracks) ?? this.#tracks.filter((t) => t.format !== undefined).map((t) => t.index);
    return this.#startSetups(selected);
  }

  #afterAnnounce(): RtspClientStep {
    this.#tracks = tracksOf(this.#sdp!, this.#url);
    return this.#startSetups(this.#tracks.map((t) => t.index));
  }

  #startSetups(indices: readonly number[]): RtspClientStep {
    this.#setupQueue = indices.filter((i) => this.#tracks[i] !== undefined);
    if (this.options.transport === 'udp') this.#setupQueue = this.#setupQueue.slice(0, this.options.clientPorts?.length ?? 0);
    if (this.#setupQueue.length === 0) throw new ProtocolError('RTSP_CLIENT_NO_TRACKS', `no usable track at ${this.#url}`);
    this.#state = 'setup';
    return this.#nextSetup();
  }

  #nextSetup(): RtspClientStep {
    const index = this.#setupQueue.shift();
    if (index === undefined) {
      this.#state = this.options.mode === 'play' ? 'play' : 'record';
      const method = this.options.mode === 'play' ? RtspMethod.Play : RtspMethod.Record;
      return this.#send(method, this.#url, method === RtspMethod.Play ? { Range: 'npt=0.000-' } : {});
    }
    this.#setupIndex = index;
    const track = this.#tracks[index]!;
    const mode = this.options.mode === 'record' ? { mode: 'record' as const } : {};
    let t: RtspTransport;
    if (this.options.transport === 'tcp') {
      const channels: PortPairTuple = [this.#nextChannel, this.#nextChannel + 1];
      this.#nextChannel += 2;
      t = { profile: 'RTP/AVP', lowerTransport: 'TCP', delivery: 'unicast', interleaved: channels, ...mode };
    } else {
      t = { profile: 'RTP/AVP', lowerTransport: 'UDP', delivery: 'unicast', clientPort: this.#nextClientPorts(), ...mode };
    }
    return this.#send(RtspMethod.Setup, track.url, { Transport: formatTransport(t) });
  }

  #afterSetup(res: RtspResponse): RtspClientStep {
    const track = this.#tracks[this.#setupIndex!]!;
    const header = res.headers.get('Transport');
    if (header === undefined) throw new ProtocolError('RTSP_TRANSPORT_INVALID', 'SETUP response without Transport');
    const [t] = parseTransports(header);
    if (this.options.transport === 'tcp') {
      if (t?.lowerTransport !== 'TCP' || t.interleaved === undefined) throw new ProtocolError('RTSP_TRANSPORT_INVALID', `server refused TCP interleaving: ${header}`);
      track.transport = { kind: 'tcp', channels: t.interleaved };
    } else {
      if (t?.lowerTransport !== 'UDP') throw new ProtocolError('RTSP_TRANSPORT_INVALID', `server refused UDP: ${header}`);
      const clientPorts = this.options.clientPorts![this.#udpPairsUsed - 1]!;
      track.transport = { kind: 'udp', clientPorts, ...(t.serverPort === undefined ? {} : { serverPorts: t.serverPort }) };
    }
    return this.#nextSetup();
  }

  #nextClientPorts(): PortPairTuple {
    return this.options.clientPorts![this.#udpPairsUsed++]!;
  }

  #retryWithAuth(pending: { request: RtspRequest; authRetried: boolean }, res: RtspResponse): RtspClientStep {
    if (this.#auth === undefined || pending.authRetried || !this.#auth.onChallenge(res.headers.getAll('WWW-Authenticate'))) {
      throw new ProtocolError('RTSP_CLIENT_AUTH_FAILED', `${pending.request.method} ${this.#url}: 401 Unauthorized`);
    }
    const { method, uri, body } = pending.request;
    const headers = Object.fromEntries([...pending.request.headers].filter(([k]) => !/^(cseq|authorization|session)$/i.test(k)));
    const request = this.#request(method, uri, headers, body, true);
    return { kind: 'request', request };
  }

  #readSession(res: RtspResponse): void {
    const header = res.headers.get('Session');
    if (header === undefined) return;
    const s = parseSessionHeader(header);
    this.#sessionId = s.id;
    if (s.timeoutSec !== undefined && s.timeoutSec > 0) this.#timeoutSec = s.timeoutSec;
  }

  #setUpTracks(): ClientTrack[] {
    return this.#tracks.filter((t) => t.transport !== undefined);
  }

  #send(method: string, uri: string, headers: Record<string, string> = {}, body?: string | Buffer): RtspClientStep {
    return { kind: 'request', request: this.#request(method, uri, headers, body) };
  }

  #request(method: string, uri: string, extra: Record<string, string> = {}, body?: string | Buffer, authRetried = false): RtspRequest {
    const cseq = ++this.#cseq;
    const headers: Record<string, string> = { CSeq: String(cseq), ...extra };
    if (this.options.userAgent !== undefined) headers['User-Agent'] = this.options.userAgent;
    if (this.#sessionId !== undefined) headers['Session'] = this.#sessionId;
    const authorization = this.#auth?.authorize(method, uri);
    if (authorization !== undefined) headers['Authorization'] = authorization;
    const request = createRequest({ method, uri, headers, ...(body === undefined ? {} : { body }) });
    if (this.#pending.size >= MAX_PENDING) this.#pending.delete(this.#pending.keys().next().value!);
    this.#pending.set(cseq, { request, authRetried });
    return request;
  }
}

function tracksOf(sdp: SessionDescription, base: string): ClientTrack[] {
  const urls = mediaUrls(sdp, base);
  return sdp.media.map((media, index) => {
    const format = mediaRtpFormats(media)[0];
    return { index, media, url: urls[index]!, ...(format === undefined ? {} : { format }) };
  });
}

/** Gives every media a control attribute (`streamid=N`, as ffmpeg's muxer names them). */
function withControls(sdp: SessionDescription): SessionDescription {
  return {
    ...sdp,
    media: sdp.media.map((m, i) => (m.attributes.some((a) => a.name === 'control') ? m : { ...m, attributes: [...m.attributes, { name: 'control', value: `streamid=${i}` }] })),
  };
}

function rtpInfoOf(res: RtspResponse): RtpInfoEntry[] {
  const header = res.headers.get('RTP-Info');
  return header === undefined ? [] : parseRtpInfo(header);
}

function stateError(what: string, state: RtspClientState): ProtocolError {
  return new ProtocolError('RTSP_CLIENT_INVALID_STATE', `${what} in client state ${state}`);
}
