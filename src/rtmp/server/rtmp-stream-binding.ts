/**
 * The registry side of one RTMP connection: turns the session's publish/play requests into
 * registry publications and play-output readers, and undoes them when streams or the socket end.
 * Publish path = `app/streamName` without queries; `?key=` is the publish key.
 */
import type { ServerSessionEvent } from '../../../protocols/rtmp/session/server-session-events.ts';
import { streamPath } from '../../../protocols/rtmp/session/stream-name.ts';
import type { FromFramesOptions } from '../../../protocols/flv/from-frames.ts';
import type { AccessControl } from '../../access/access-control.ts';
import type { AccessVerdict } from '../../access/access-request.ts';
import { sameSecret } from '../../config/publish-policy.ts';
import { readerProtocol } from '../../streams/internal-reader.ts';
import { normalizeStreamPath } from '../../streams/path.ts';
import type { ReaderQueueOptions } from '../../streams/reader-queue.ts';
import type { StreamRegistry } from '../../streams/registry.ts';
import { PublishRejectedError, type PublishRejectReason } from '../../streams/types.ts';
import type { RtmpConnection } from './rtmp-connection.ts';
import { rtmpAccessRequest } from './rtmp-access.ts';
import { RtmpIngest } from '../ingest/rtmp-ingest.ts';
import { ALL_TRACKS, RtmpPlayOutput, rtmpOutputKey, type RtmpTrackSelection } from '../output/rtmp-play-output.ts';
import { SocketTransport } from '../../net/socket-transport.ts';

export interface StreamBindingDeps {
  readonly registry: StreamRegistry;
  readonly readerQueue: ReaderQueueOptions;
  readonly now: () => number;
  readonly allowPublish: boolean;
  readonly allowPlay: boolean;
  /** Required in the play request's query (`?user=&pass=`); unset: anyone may play. */
  readonly readCredentials?: { readonly user: string; readonly pass: string };
  readonly flv: FromFramesOptions;
  /**
   * The node's access check (auth.method, IP lists). When it has nothing to wait for (internal,
   * no IP list) the checks stay synchronous; otherwise publish and play wait for its verdict.
   */
  readonly access?: AccessControl;
  readonly onPublishRejected: (reason: PublishRejectReason | 'disabled') => void;
}

interface Player {
  readonly path: string;
  /** NetStream receiveAudio / receiveVideo. */
  tracks: RtmpTrackSelection;
  paused: boolean;
  detach: () => void;
  readonly uncount: () => void;
  readonly attach: () => void;
}

/** Access checks one connection may have waiting at once; more requests are refused. */
const MAX_PENDING_CHECKS = 4;

const REJECT_STATUS: Record<PublishRejectReason, string> = {
  'path-busy': 'NetStream.Publish.BadName',
  'bad-path': 'NetStream.Publish.BadName',
  'bad-key': 'NetStream.Publish.Denied',
  'unknown-camera': 'NetStream.Publish.Denied',
  disabled: 'NetStream.Publish.Denied',
  unauthorized: 'NetStream.Publish.Denied',
  'register-limit': 'NetStream.Publish.Denied',
};

export class RtmpStreamBinding {
  readonly #conn: RtmpConnection;
  readonly #deps: StreamBindingDeps;
  readonly #ingests = new Map<number, RtmpIngest>();
  readonly #players = new Map<number, Player>();
  /** flashVer of the client's connect: Cupola's own clients mark themselves internal with it. */
  #flashVer: string | undefined;
  #pendingChecks = 0;

  constructor(conn: RtmpConnection, deps: StreamBindingDeps) {
    this.#conn = conn;
    this.#deps = deps;
  }

  get publishing(): readonly string[] {
    return [...this.#ingests.values()].map((i) => i.path);
  }

  handle(event: ServerSessionEvent): void {
    switch (event.type) {
      case 'connect': {
        const flashVer = event.commandObject['flashVer'];
        this.#flashVer = typeof flashVer === 'string' ? flashVer : undefined;
        this.#conn.log.debug('RTMP connect', { app: event.app, tcUrl: event.tcUrl });
        this.#conn.connected();
        return;
      }
      case 'publish-requested':
        if (this.#deps.access?.isAsync('publish') === true && this.#deps.allowPublish) {
          this.#checkAccess('publish', event.streamId, streamPath(event.app, event.streamName), event.query, () => true, () => this.#publish(event.streamId, event.app, event.streamName, event.query['key']));
          return;
        }
        this.#publish(event.streamId, event.app, event.streamName, event.query['key']);
        return;
      case 'play-requested':
        if (this.#deps.access?.isAsync('read') === true) {
          const path = normalizeStreamPath(streamPath(event.app, event.streamName)) ?? streamPath(event.app, event.streamName);
          this.#checkAccess('read', event.streamId, path, event.query, () => this.#mayRead(event.query), () => this.#play(event.streamId, event.app, event.streamName));
          return;
        }
        if (!this.#mayRead(event.query)) {
          // Checked before the path is looked at: an unauthorised player learns nothing about it.
          this.#conn.log.info('RTMP play refused: missing or wrong read credentials', { app: event.app });
          this.#conn.session.rejectPlay(event.streamId, 'NetStream.Play.Failed', 'Unauthorized: this server needs read credentials (?user=...&pass=...).');
          this.#conn.endAfterFlush('play unauthorized');
          return;
        }
        this.#play(event.streamId, event.app, event.streamName);
        return;
      case 'media':
        this.#ingests.get(event.streamId)?.push(event.tagType, event.timestamp, event.body);
        return;
      case 'unpublish':
        this.#endIngest(event.streamId, 'unpublished');
        return;
      case 'play-stopped':
        this.#endPlayer(event.streamId);
        return;
      case 'pause': {
        const p = this.#players.get(event.streamId);
        if (p === undefined) return;
        // Paused readers leave the fan-out; on resume they rejoin at the last keyframe.
        p.paused = event.paused;
        if (event.paused) p.detach();
        else p.attach();
        return;
      }
      case 'receive-audio':
      case 'receive-video': {
        const p = this.#players.get(event.streamId);
        const track = event.type === 'receive-audio' ? 'audio' : 'video';
        if (p === undefined || p.tracks[track] === event.enabled) return;
        // The player moves to the output that carries its selection; turning video back on
        // rejoins at the last keyframe (with the sequence headers first), like a resume.
        p.tracks = { ...p.tracks, [track]: event.enabled };
        if (!p.paused) p.attach();
        return;
      }
      case 'unknown-command':
        this.#conn.log.debug('unknown RTMP command', { name: event.name });
        return;
    }
  }

  /**
   * Waits for the access verdict (other connections go on meanwhile), then runs `granted` or
   * answers with RTMP's refusal and closes: NetStream.Publish.BadName for a publish,
   * NetStream.Play.Failed for a play. The internal check runs only with auth.method internal.
   */
  #checkAccess(action: 'publish' | 'read', streamId: number, path: string, query: Readonly<Record<string, string>>, internal: () => boolean, granted: () => void): void {
    const access = this.#deps.access!;
    if (this.#pendingChecks >= MAX_PENDING_CHECKS) {
      this.#refuse(action, streamId, path, { allowed: false, reason: 'forbidden', message: 'too many access checks in progress on this connection' });
      return;
    }
    this.#pendingChecks++;
    void access
      .authorize(rtmpAccessRequest(action, path, this.#conn.socket.remoteAddress, query), internal)
      .then((verdict) => {
        this.#pendingChecks--;
        if (this.#conn.closed) return;
        if (verdict.allowed) granted();
        else this.#refuse(action, streamId, path, verdict);
      });
  }

  #refuse(action: 'publish' | 'read', streamId: number, path: string, verdict: Extract<AccessVerdict, { allowed: false }>): void {
    this.#conn.log.info(`RTMP ${action === 'publish' ? 'publish' : 'play'} refused by the access check`, { path, reason: verdict.reason, message: verdict.message });
    if (action === 'publish') {
      this.#deps.onPublishRejected('unauthorized');
      this.#conn.session.rejectPublish(streamId, 'NetStream.Publish.BadName', `Unauthorized: ${verdict.message}.`);
    } else {
      this.#conn.session.rejectPlay(streamId, 'NetStream.Play.Failed', `Unauthorized: ${verdict.message}.`);
    }
    this.#conn.endAfterFlush(`${action} unauthorized`);
  }

  #mayRead(query: Readonly<Record<string, string>>): boolean {
    const c = this.#deps.readCredentials;
    if (c === undefined) return true;
    const user = query['user'];
    const pass = query['pass'];
    // Both compared (constant time) so the answer time says nothing about which one was wrong.
    const userOk = user !== undefined && sameSecret(user, c.user);
    const passOk = pass !== undefined && sameSecret(pass, c.pass);
    return userOk && passOk;
  }

  /** The socket is gone: end publications, detach readers. */
  close(): void {
    for (const id of [...this.#ingests.keys()]) this.#endIngest(id, 'connection closed');
    for (const id of [...this.#players.keys()]) this.#endPlayer(id);
  }

  #publish(streamId: number, app: string, streamName: string, key: string | undefined): void {
    const session = this.#conn.session;
    const path = streamPath(app, streamName);
    if (!this.#deps.allowPublish) {
      this.#deps.onPublishRejected('disabled');
      session.rejectPublish(streamId, 'NetStream.Publish.Denied', 'Publishing is not allowed here.');
      this.#conn.endAfterFlush('publish not allowed');
      return;
    }
    let publication;
    try {
      publication = this.#deps.registry.publish(path, { kind: 'rtmp', remote: this.#conn.remote, ...(key !== undefined ? { key } : {}) });
    } catch (err) {
      if (!(err instanceof PublishRejectedError)) throw err;
      this.#conn.log.info('RTMP publish refused', { path, reason: err.reason, message: err.message });
      this.#deps.onPublishRejected(err.reason);
      session.rejectPublish(streamId, REJECT_STATUS[err.reason], err.message);
      this.#conn.endAfterFlush(`publish refused: ${err.reason}`);
      return;
    }
    this.#ingests.set(streamId, new RtmpIngest(publication.stream.path, publication));
    session.acceptPublish(streamId);
    this.#conn.authorise();
    this.#conn.log.info('RTMP publish started', { path: publication.stream.path });
  }

  #endIngest(streamId: number, reason: string): void {
    const ingest = this.#ingests.get(streamId);
    if (ingest === undefined) return;
    this.#ingests.delete(streamId);
    ingest.close();
    this.#conn.log.info('RTMP publish ended', { path: ingest.path, reason, ...ingest.stats });
  }

  #play(streamId: number, app: string, streamName: string, demanded = false): void {
    const session = this.#conn.session;
    const path = normalizeStreamPath(streamPath(app, streamName));
    // An on-demand camera: hold the player until its source has a keyframe (or gave up), then look again.
    const pending = demanded || path === null || !this.#deps.allowPlay ? undefined : this.#deps.registry.demand(path);
    if (pending !== undefined) {
      void pending.then(() => {
        if (!this.#conn.closed) this.#play(streamId, app, streamName, true);
      });
      return;
    }
    const stream = path === null ? undefined : this.#deps.registry.get(path);
    if (!this.#deps.allowPlay || stream === undefined || !stream.live) {
      session.rejectPlay(streamId, 'NetStream.Play.StreamNotFound', `No stream ${path ?? ''}.`);
      this.#conn.endAfterFlush('play refused');
      return;
    }
    session.acceptPlay(streamId);
    this.#conn.authorise();
    const chunkSize = session.chunkSize;
    const transport = new SocketTransport(this.#conn.socket, (reason) => {
      // Stream ended or reader evicted: tell the player (UnpublishNotify + StreamEOF), then close.
      session.notifyUnpublished(streamId);
      this.#conn.endAfterFlush(reason);
    });
    // Cupola's own consumers (replication pulls) are counted apart from viewers.
    const uncount = stream.addReader(readerProtocol('rtmp', this.#flashVer), this.#conn.remote);
    const player: Player = {
      path: stream.path,
      tracks: ALL_TRACKS,
      paused: false,
      detach: () => {},
      uncount,
      attach: () => {
        player.detach();
        if (this.#conn.closed) return;
        const tracks = player.tracks;
        const key = rtmpOutputKey(streamId, chunkSize, tracks);
        const output = stream.output(key, () => new RtmpPlayOutput(stream, { messageStreamId: streamId, chunkSize, flv: this.#deps.flv, tracks }));
        const remove = output.addReader(transport, { options: this.#deps.readerQueue, now: this.#deps.now });
        player.detach = () => {
          player.detach = () => {};
          remove();
        };
      },
    };
    this.#players.set(streamId, player);
    player.attach();
    this.#conn.log.info('RTMP play started', { path: stream.path });
  }

  #endPlayer(streamId: number): void {
    const p = this.#players.get(streamId);
    if (p === undefined) return;
    this.#players.delete(streamId);
    p.detach();
    p.uncount();
    this.#conn.log.info('RTMP play ended', { path: p.path });
  }
}
