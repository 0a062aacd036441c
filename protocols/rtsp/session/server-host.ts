/** What the pure server handler asks of its owner (the listener glue): streams, auth, start/stop. */
import type { AuthVerdict } from '../auth/server-auth.ts';
import type { RtspRequest } from '../message/rtsp-message.ts';
import type { SessionDescription } from '../sdp/session-description.ts';
import type { RtspServerSession } from './server-session.ts';

export type RtspAccess = 'read' | 'publish';
export type { AuthVerdict };

export interface ServerConnectionInfo {
  /** Stable id used in logs and to bind TCP sessions to their connection. */
  readonly id: string;
  /** Peer IP address; UDP RTP is sent there. */
  readonly remoteAddress: string;
}

/** First RTP sequence number and timestamp a reader will receive on a track (RTP-Info). */
export interface PlayStartTrack {
  readonly trackIndex: number;
  readonly seq?: number;
  readonly rtptime?: number;
}

export type RtspStopReason = 'pause' | 'teardown' | 'timeout' | 'connection-closed';

export interface RtspServerHost {
  /** SDP of the stream published at `path`, each media with its `a=control`; null when none. */
  describe(path: string): SessionDescription | null;
  /** Whether the request, received on `conn`, may access its path this way (always ok when auth is off). */
  authenticate(req: RtspRequest, access: RtspAccess, conn: ServerConnectionInfo): AuthVerdict;
  /** WWW-Authenticate values for a 401 answer on `conn`; `stale` when the client's nonce is no longer usable. */
  challenge(access: RtspAccess, conn: ServerConnectionInfo, stale: boolean): string[];
  /** ANNOUNCE: accept the offered SDP for `path` (null) or refuse with a status code. */
  announce(path: string, sdp: SessionDescription, conn: ServerConnectionInfo, query: string): number | null;
  /** PLAY: start sending; per set-up track the first seq/rtptime, or a status code to refuse. */
  startPlay(session: RtspServerSession, req: RtspRequest): readonly PlayStartTrack[] | number;
  /** RECORD: start publishing (null) or refuse with a status code (path busy...). */
  startRecord(session: RtspServerSession): number | null;
  /** The session stopped playing or recording. Called once per start. */
  stop(session: RtspServerSession, reason: RtspStopReason): void;
}
