/**
 * The pure RTSP server: one instance per listener. Takes parsed requests with the connection they
 * came on, keeps the sessions, checks each request against its session's state and answers with
 * a response. Everything that touches streams or sockets goes through RtspServerHost.
 */
import { isProtocolError } from '../../errors.ts';
import { parseCSeq } from '../headers/cseq.ts';
import { formatPublic } from '../headers/public.ts';
import { formatRange } from '../headers/range.ts';
import { formatRtpInfo, type RtpInfoEntry } from '../headers/rtp-info.ts';
import { DEFAULT_SESSION_TIMEOUT_SEC, formatSessionHeader, parseSessionHeader } from '../headers/session-header.ts';
import { parseRtspUrl, stripCredentials } from '../headers/rtsp-url.ts';
import { createResponse } from '../message/message-writer.ts';
import { RtspHeaders } from '../message/rtsp-headers.ts';
import { RtspMethod, type RtspRequest, type RtspResponse } from '../message/rtsp-message.ts';
import { RtspStatus } from '../message/status-codes.ts';
import { buildSdp } from '../sdp/build-sdp.ts';
import { parseSdp } from '../sdp/parse-sdp.ts';
import type { SessionDescription } from '../sdp/session-description.ts';
import type { RtspAccess, RtspServerHost, RtspStopReason, ServerConnectionInfo } from './server-host.ts';
import { RtspServerSession, type PortPairTuple } from './server-session.ts';
import { handleSetup } from './server-setup.ts';

/** Default cap on live sessions per listener (as many as the listener accepts connections). */
export const MAX_SESSIONS = 4096;
/** A connection may hold a few sessions (one per stream it plays); more is abuse. */
export const MAX_SESSIONS_PER_CONNECTION = 8;

export interface RtspServerHandlerOptions {
  /** Accept ANNOUNCE / RECORD (Factory 2). */
  readonly allowPublish: boolean;
  /** Announced in `Session: id;timeout=`. Defaults to 60 seconds. */
  readonly sessionTimeoutSec?: number;
  /** Defaults to MAX_SESSIONS. */
  readonly maxSessions?: number;
  /** Shared server RTP/RTCP UDP ports; undefined disables UDP transport. */
  readonly udpServerPorts?: PortPairTuple;
  /** Unpredictable session id (e.g. 8 random bytes as hex). */
  readonly newSessionId: () => string;
  /** `Server` header value. Defaults to 'Cupola'. */
  readonly serverName?: string;
}

/** A client's ANNOUNCE, waiting for the SETUP that creates its record session. */
export interface Announcement {
  readonly path: string;
  readonly url: string;
  readonly sdp: SessionDescription;
}

const READ_METHODS = [RtspMethod.Options, RtspMethod.Describe, RtspMethod.Setup, RtspMethod.Play, RtspMethod.Pause, RtspMethod.Teardown, RtspMethod.GetParameter, RtspMethod.SetParameter];
const PUBLISH_METHODS = [RtspMethod.Announce, RtspMethod.Record];
const KNOWN_METHODS = new Set<string>([...READ_METHODS, ...PUBLISH_METHODS, RtspMethod.Redirect]);

export class RtspServerHandler {
  readonly options: Required<Omit<RtspServerHandlerOptions, 'udpServerPorts'>> & { udpServerPorts?: PortPairTuple };
  readonly #host: RtspServerHost;
  readonly #sessions = new Map<string, RtspServerSession>();
  readonly #announcements = new Map<string, Announcement>();

  constructor(options: RtspServerHandlerOptions, host: RtspServerHost) {
    this.options = { sessionTimeoutSec: DEFAULT_SESSION_TIMEOUT_SEC, maxSessions: MAX_SESSIONS, serverName: 'Cupola', ...options };
    this.#host = host;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  session(id: string): RtspServerSession | undefined {
    return this.#sessions.get(id);
  }

  sessions(): RtspServerSession[] {
    return [...this.#sessions.values()];
  }

  sessionsOf(connectionId: string): RtspServerSession[] {
    return [...this.#sessions.values()].filter((s) => s.connectionId === connectionId);
  }

  /** Answers one request. Never throws for anything the peer sent. */
  handle(req: RtspRequest, conn: ServerConnectionInfo, nowMs: number): RtspResponse {
    let cseq: number;
    try {
      cseq = parseCSeq(req.headers.get('CSeq'));
    } catch (err) {
      if (!isProtocolError(err)) throw err;
      return this.#reply(undefined, RtspStatus.BadRequest);
    }
    try {
      return this.#dispatch(req, conn, cseq, nowMs);
    } catch (err) {
      if (!isProtocolError(err)) throw err;
      const status = err.code === 'RTSP_TRANSPORT_INVALID' ? RtspStatus.UnsupportedTransport : RtspStatus.BadRequest;
      return this.#reply(cseq, status);
    }
  }

  /** Drops the sessions bound to a closed connection (those using TCP interleaving or not set up). */
  connectionClosed(connectionId: string): RtspServerSession[] {
    this.#announcements.delete(connectionId);
    const closed = this.sessionsOf(connectionId).filter((s) => s.usesTcp() || s.setups.length === 0);
    for (const s of closed) this.#remove(s, 'connection-closed');
    return closed;
  }

  /** Removes sessions idle past their timeout; returns them so the caller can close their I/O. */
  expire(nowMs: number): RtspServerSession[] {
    const expired = [...this.#sessions.values()].filter((s) => s.isExpired(nowMs));
    for (const s of expired) this.#remove(s, 'timeout');
    return expired;
  }

  /** Removes a session for a reason outside RTSP (its stream ended, its reader fell behind). */
  closeSession(id: string, reason: RtspStopReason = 'teardown'): void {
    const s = this.#sessions.get(id);
    if (s !== undefined) this.#remove(s, reason);
  }

  #dispatch(req: RtspRequest, conn: ServerConnectionInfo, cseq: number, nowMs: number): RtspResponse {
    const m = req.method;
    if (!KNOWN_METHODS.has(m)) return this.#reply(cseq, RtspStatus.NotImplemented, { Public: this.#public() });
    if (m === RtspMethod.Redirect || (!this.options.allowPublish && PUBLISH_METHODS.includes(m as never))) {
      return this.#reply(cseq, RtspStatus.MethodNotAllowed, { Allow: this.#public() });
    }
    const sessionHeader = req.headers.get('Session');
    const sessionId = sessionHeader === undefined ? undefined : parseSessionHeader(sessionHeader).id;
    let session: RtspServerSession | undefined;
    if (sessionId !== undefined) {
      session = this.#sessions.get(sessionId);
      // A TCP session's data flows on its own connection: other connections cannot drive it.
      if (session !== undefined && session.connectionId !== conn.id && session.usesTcp()) session = undefined;
      if (session === undefined) return this.#reply(cseq, RtspStatus.SessionNotFound);
      session.touch(nowMs);
    }
    switch (m) {
      case RtspMethod.Options:
        return this.#reply(cseq, RtspStatus.Ok, { Public: this.#public() }, session);
      case RtspMethod.Describe:
        return this.#describe(req, conn, cseq);
      case RtspMethod.Announce:
        return this.#announce(req, conn, cseq);
      case RtspMethod.Setup:
        return this.#setup(req, conn, cseq, session, nowMs);
      case RtspMethod.Play:
        return this.#play(req, conn, cseq, session);
      case RtspMethod.Record:
        return this.#record(req, conn, cseq, session);
      case RtspMethod.Pause:
        return this.#pause(cseq, session);
      case RtspMethod.Teardown:
        if (session === undefined) return this.#reply(cseq, RtspStatus.SessionNotFound);
        this.#remove(session, 'teardown');
        return this.#reply(cseq, RtspStatus.Ok, {}, session);
      case RtspMethod.GetParameter:
        return this.#reply(cseq, RtspStatus.Ok, {}, session);
      case RtspMethod.SetParameter:
        // Keepalive only: an empty SET_PARAMETER is fine, a parameter we would have to apply is not.
        return this.#reply(cseq, req.body.length === 0 ? RtspStatus.Ok : RtspStatus.ParameterNotUnderstood, {}, session);
      default:
        return this.#reply(cseq, RtspStatus.NotImplemented);
    }
  }

  #describe(req: RtspRequest, conn: ServerConnectionInfo, cseq: number): RtspResponse {
    const path = parseRtspUrl(req.uri).path;
    const refusedRead = this.#checkAuth(req, 'read', conn, cseq);
    if (refusedRead !== null) return refusedRead;
    const sdp = this.#host.describe(path);
    if (sdp === null) return this.#reply(cseq, RtspStatus.NotFound);
    const base = `${stripCredentials(req.uri).replace(/\?.*$/, '').replace(/\/+$/, '')}/`;
    return this.#reply(cseq, RtspStatus.Ok, { 'Content-Base': base, 'Content-Type': 'application/sdp' }, undefined, buildSdp(sdp));
  }

  #announce(req: RtspRequest, conn: ServerConnectionInfo, cseq: number): RtspResponse {
    const { path, query } = parseRtspUrl(req.uri);
    const refusedPublish = this.#checkAuth(req, 'publish', conn, cseq);
    if (refusedPublish !== null) return refusedPublish;
    const type = req.headers.get('Content-Type');
    if (type !== undefined && !type.toLowerCase().startsWith('application/sdp')) return this.#reply(cseq, RtspStatus.UnsupportedMediaType);
    if (path === '' || req.body.length === 0) return this.#reply(cseq, RtspStatus.BadRequest);
    if (this.sessionsOf(conn.id).some((s) => !s.checkState(['initial', 'pre-play', 'pre-record']))) {
      return this.#reply(cseq, RtspStatus.MethodNotValidInThisState);
    }
    const sdp = parseSdp(req.body);
    if (sdp.media.length === 0) return this.#reply(cseq, RtspStatus.BadRequest);
    const refused = this.#host.announce(path, sdp, conn, query);
    if (refused !== null) return this.#reply(cseq, refused);
    this.#announcements.set(conn.id, { path, url: stripCredentials(req.uri), sdp });
    return this.#reply(cseq, RtspStatus.Ok);
  }

  #setup(req: RtspRequest, conn: ServerConnectionInfo, cseq: number, existing: RtspServerSession | undefined, nowMs: number): RtspResponse {
    const announcement = this.#announcements.get(conn.id);
    const access: RtspAccess = existing?.checkState(['pre-record']) === true || (existing === undefined && announcement !== undefined) ? 'publish' : 'read';
    const refused = this.#checkAuth(req, access, conn, cseq);
    if (refused !== null) return refused;
    if (existing === undefined) {
      if (this.#sessions.size >= this.options.maxSessions || this.sessionsOf(conn.id).length >= MAX_SESSIONS_PER_CONNECTION) {
        return this.#reply(cseq, RtspStatus.ServiceUnavailable);
      }
    }
    const session = existing ?? new RtspServerSession(this.options.newSessionId(), conn.id, this.options.sessionTimeoutSec, nowMs);
    const result = handleSetup({
      req,
      session,
      conn,
      host: this.#host,
      ...(announcement === undefined ? {} : { announcement }),
      ...(this.options.udpServerPorts === undefined ? {} : { udpServerPorts: this.options.udpServerPorts }),
      usedChannels: this.#usedChannels(conn.id),
    });
    if (typeof result === 'number') return this.#reply(cseq, result, {}, existing);
    if (existing === undefined) {
      this.#sessions.set(session.id, session);
      if (session.checkState(['pre-record'])) this.#announcements.delete(conn.id);
    }
    return this.#reply(cseq, RtspStatus.Ok, { Transport: result }, session, undefined, true);
  }

  #play(req: RtspRequest, conn: ServerConnectionInfo, cseq: number, session: RtspServerSession | undefined): RtspResponse {
    if (session === undefined) return this.#reply(cseq, RtspStatus.SessionNotFound);
    const refused = this.#checkAuth(req, 'read', conn, cseq);
    if (refused !== null) return refused;
    if (session.checkState(['play'])) return this.#reply(cseq, RtspStatus.Ok, { Range: 'npt=0.000-' }, session);
    if (!session.checkState(['pre-play'])) return this.#reply(cseq, RtspStatus.MethodNotValidInThisState, {}, session);
    const started = this.#host.startPlay(session, req);
    if (typeof started === 'number') return this.#reply(cseq, started, {}, session);
    session.transition('play');
    const entries: RtpInfoEntry[] = [];
    for (const setup of session.setups) {
      const t = started.find((s) => s.trackIndex === setup.trackIndex);
      entries.push({ url: setup.url, ...(t?.seq === undefined ? {} : { seq: t.seq }), ...(t?.rtptime === undefined ? {} : { rtptime: t.rtptime }) });
    }
    return this.#reply(cseq, RtspStatus.Ok, { Range: formatRange({ kind: 'npt', start: 0 }), 'RTP-Info': formatRtpInfo(entries) }, session);
  }

  #record(req: RtspRequest, conn: ServerConnectionInfo, cseq: number, session: RtspServerSession | undefined): RtspResponse {
    if (session === undefined) return this.#reply(cseq, RtspStatus.SessionNotFound);
    const refused = this.#checkAuth(req, 'publish', conn, cseq);
    if (refused !== null) return refused;
    if (session.checkState(['record'])) return this.#reply(cseq, RtspStatus.Ok, {}, session);
    if (!session.checkState(['pre-record'])) return this.#reply(cseq, RtspStatus.MethodNotValidInThisState, {}, session);
    const busy = this.#host.startRecord(session);
    if (busy !== null) return this.#reply(cseq, busy, {}, session);
    session.transition('record');
    return this.#reply(cseq, RtspStatus.Ok, {}, session);
  }

  #pause(cseq: number, session: RtspServerSession | undefined): RtspResponse {
    if (session === undefined) return this.#reply(cseq, RtspStatus.SessionNotFound);
    if (session.checkState(['play'])) {
      this.#host.stop(session, 'pause');
      session.transition('pre-play');
    } else if (session.checkState(['record'])) {
      this.#host.stop(session, 'pause');
      session.transition('pre-record');
    }
    return this.#reply(cseq, RtspStatus.Ok, {}, session);
  }

  #remove(session: RtspServerSession, reason: RtspStopReason): void {
    if (!this.#sessions.delete(session.id)) return;
    if (session.checkState(['play', 'record'])) this.#host.stop(session, reason);
  }

  #usedChannels(connectionId: string): Set<number> {
    const used = new Set<number>();
    for (const s of this.sessionsOf(connectionId)) for (const c of s.usedChannels()) used.add(c);
    return used;
  }

  #public(): string {
    return formatPublic(this.options.allowPublish ? [...READ_METHODS, ...PUBLISH_METHODS] : READ_METHODS);
  }

  /** null when the request may go on; else the 401 (fresh challenges) or 400 to answer. */
  #checkAuth(req: RtspRequest, access: RtspAccess, conn: ServerConnectionInfo, cseq: number): RtspResponse | null {
    const verdict = this.#host.authenticate(req, access, conn);
    switch (verdict.kind) {
      case 'ok':
        return null;
      case 'bad-request':
        return this.#reply(cseq, RtspStatus.BadRequest);
      case 'unauthorized':
        return this.#unauthorized(cseq, access, conn, verdict.stale);
    }
  }

  #unauthorized(cseq: number, access: RtspAccess, conn: ServerConnectionInfo, stale: boolean): RtspResponse {
    const headers = new RtspHeaders({ CSeq: String(cseq), Server: this.options.serverName });
    for (const v of this.#host.challenge(access, conn, stale)) headers.append('WWW-Authenticate', v);
    return createResponse({ statusCode: RtspStatus.Unauthorized, headers });
  }

  #reply(
    cseq: number | undefined,
    statusCode: number,
    extra: Record<string, string> = {},
    session?: RtspServerSession,
    body?: string,
    withTimeout = false,
  ): RtspResponse {
    const headers = new RtspHeaders();
    if (cseq !== undefined) headers.append('CSeq', String(cseq));
    headers.append('Server', this.options.serverName);
    if (session !== undefined) {
      headers.append('Session', formatSessionHeader(withTimeout ? { id: session.id, timeoutSec: session.timeoutSec } : { id: session.id }));
    }
    for (const [k, v] of Object.entries(extra)) headers.append(k, v);
    return createResponse({ statusCode, headers, ...(body === undefined ? {} : { body }) });
  }
}
