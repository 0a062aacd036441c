/**
 * SETUP on the server side (RFC 2326 §10.4): find which media section the URL names, pick a
 * transport, and bind the track to the session. Play URLs are `<path>/<control>` where control is
 * the `a=control` the server's SDP gave (`trackID=N`); a single-track stream may also be set up on
 * its aggregate URL. Record URLs are resolved against the client's own ANNOUNCE SDP.
 */
import { parseRtspUrl, stripCredentials } from '../headers/rtsp-url.ts';
import { formatTransport, parseTransports } from '../headers/transport.ts';
import type { RtspRequest } from '../message/rtsp-message.ts';
import { RtspStatus } from '../message/status-codes.ts';
import { mediaControl, resolveControl, sessionControl } from '../sdp/control-url.ts';
import type { SessionDescription } from '../sdp/session-description.ts';
import type { Announcement } from './server-handler.ts';
import type { RtspServerHost, ServerConnectionInfo } from './server-host.ts';
import type { PortPairTuple, RtspServerSession } from './server-session.ts';
import { chooseServerTransport } from './server-transport.ts';

export interface SetupInput {
  readonly req: RtspRequest;
  readonly session: RtspServerSession;
  readonly conn: ServerConnectionInfo;
  readonly host: RtspServerHost;
  readonly announcement?: Announcement;
  readonly udpServerPorts?: PortPairTuple;
  readonly usedChannels: ReadonlySet<number>;
}

interface TrackMatch {
  readonly mode: 'play' | 'record';
  readonly path: string;
  readonly sdp: SessionDescription;
  readonly trackIndex: number;
}

/** The Transport header to answer with, or an error status. */
export function handleSetup(input: SetupInput): string | number {
  const { req, session } = input;
  if (!session.checkState(['initial', 'pre-play', 'pre-record'])) return RtspStatus.MethodNotValidInThisState;
  const transportHeader = req.headers.get('Transport');
  if (transportHeader === undefined) return RtspStatus.BadRequest;
  const transports = parseTransports(transportHeader);
  const match = matchTrack(input);
  if (typeof match === 'number') return match;
  if (session.path !== undefined && session.path !== match.path) return RtspStatus.AggregateOperationNotAllowed;
  if (session.hasTrack(match.trackIndex)) return RtspStatus.MethodNotValidInThisState;
  const choice = chooseServerTransport({
    transports,
    remoteAddress: input.conn.remoteAddress,
    usedChannels: input.usedChannels,
    ...(input.udpServerPorts === undefined ? {} : { udpServerPorts: input.udpServerPorts }),
  });
  if (choice === null) return RtspStatus.UnsupportedTransport;
  if (session.checkState(['initial'])) session.begin(match.mode, match.path, match.sdp);
  session.addSetup({ trackIndex: match.trackIndex, url: stripCredentials(req.uri), transport: choice.transport });
  return formatTransport(choice.reply);
}

function matchTrack(input: SetupInput): TrackMatch | number {
  const { session, announcement } = input;
  const url = parseRtspUrl(input.req.uri);
  const state = session.state;
  if (state.kind === 'pre-record' || (state.kind === 'initial' && announcement !== undefined)) {
    const sdp = state.kind === 'pre-record' ? state.sdp : announcement!.sdp;
    const path = state.kind === 'pre-record' ? state.path : announcement!.path;
    const idx = recordTrackIndex(sdp, path, url.path);
    if (idx >= 0) return { mode: 'record', path, sdp, trackIndex: idx };
    if (state.kind === 'pre-record') return RtspStatus.NotFound;
  }
  if (state.kind === 'pre-play') {
    const idx = playTrackIndex(state.sdp, state.path, url.path);
    return idx >= 0 ? { mode: 'play', path: state.path, sdp: state.sdp, trackIndex: idx } : RtspStatus.NotFound;
  }
  // `<path>/<control>` first, then the aggregate URL of a single-track stream.
  const slash = url.path.lastIndexOf('/');
  if (slash > 0) {
    const path = url.path.slice(0, slash);
    const sdp = input.host.describe(path);
    if (sdp !== null) {
      const idx = playTrackIndex(sdp, path, url.path);
      if (idx >= 0) return { mode: 'play', path, sdp, trackIndex: idx };
    }
  }
  const sdp = input.host.describe(url.path);
  if (sdp !== null && sdp.media.length === 1) return { mode: 'play', path: url.path, sdp, trackIndex: 0 };
  return RtspStatus.NotFound;
}

/** Index of the media whose control, under `path`, is `urlPath`; -1 when none. */
function playTrackIndex(sdp: SessionDescription, path: string, urlPath: string): number {
  const idx = sdp.media.findIndex((m) => {
    const control = mediaControl(m);
    return control !== undefined && `${path}/${control}` === urlPath;
  });
  if (idx >= 0) return idx;
  return sdp.media.length === 1 && urlPath === path ? 0 : -1;
}

/** Index of the announced media whose control resolves to `urlPath`; -1 when none. */
function recordTrackIndex(sdp: SessionDescription, path: string, urlPath: string): number {
  // Only paths are compared, so any host serves as the base (clients may SETUP via another name).
  const aggregate = resolveControl(`rtsp://h/${path}`, sessionControl(sdp));
  const idx = sdp.media.findIndex((m) => {
    try {
      return parseRtspUrl(resolveControl(aggregate, mediaControl(m))).path === urlPath;
    } catch {
      // An unparseable control in the client's own SDP cannot match this SETUP; other media may.
      return false;
    }
  });
  if (idx >= 0) return idx;
  return sdp.media.length === 1 && urlPath === path ? 0 : -1;
}
