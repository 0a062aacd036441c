/** What the pure server handler asks of its owner (the listener glue): streams, auth, start/stop. */
import type { RtspRequest } from '../message/rtsp-message.ts';
import type { SessionDescription } from '../sdp/session-description.ts';
import type { RtspServerSession } from './server-session.ts';

export type RtspAccess = 'read' | 'publish';

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
  /** True when the request may access `path` this way (always true when auth is off). */
  authenticate(req: RtspRequest, access: RtspAccess): boolean;
  /** WWW-Authenticate values for a 401 answer. */
  challenge(access: RtspAccess): string[];
  /** ANNOUNCE: accept the offered SDP for `path` (null) or refuse with a status code. */
  announce(path: string, sdp: SessionDescription, conn: ServerConnectionInfo, query: string): number | null;
  /** PLAY: start sending; per set-up track the first seq/rtptime, or a status code to refuse. */
  startPlay(session: RtspServerSession): readonly PlayStartTrack[] | number;
  /** RECORD: start publishing (null) or refuse with a status code (path busy...). */
  startRecord(session: RtspServerSession): number | null;
  /** The session stopped playing or recording. Called once per start. */
  stop(session: RtspServerSession, reason: RtspStopReason): void;
}
