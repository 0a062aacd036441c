/**
 * Server side of an RTMP connection after the handshake (RTMP spec §7.2): a pure state machine
 * fed with messages from the ChunkReader. It answers the NetConnection/NetStream commands itself,
 * reports requests and media as events, and takes the owner's publish/play decisions. Output is
 * chunked with its own ChunkWriter and handed to `send`.
 */
import type { AmfObject, AmfValue } from '../amf0/amf-value.ts';
import { isAmfObject } from '../amf0/amf-value.ts';
import { ChunkWriter } from '../chunk/chunk-writer.ts';
import type { OutgoingMessage } from '../chunk/chunk-writer.ts';
import type { RtmpMessage } from '../chunk/rtmp-message.ts';
import { ProtocolError } from '../../errors.ts';
import { decodeCommand, isCommandMessage } from '../message/command.ts';
import type { Command } from '../message/command.ts';
import { MessageType, PeerBandwidthLimit, UserControlEvent } from '../message/message-type.ts';
import { errorMessage, onStatusMessage, resultMessage, statusInfo } from '../message/net-status.ts';
import {
  acknowledgementMessage,
  decodeProtocolControl,
  setChunkSizeMessage,
  setPeerBandwidthMessage,
  userControlMessage,
  windowAckSizeMessage,
} from '../message/protocol-control.ts';
import { AckTracker } from './ack-tracker.ts';
import { MAX_NAME_LENGTH, splitQuery } from './stream-name.ts';
import {
  DEFAULT_SERVER_CHUNK_SIZE,
  DEFAULT_WINDOW_ACK_SIZE,
  MAX_NET_STREAMS,
} from './server-session-events.ts';
import type { ServerSessionEvent, ServerSessionOptions } from './server-session-events.ts';
import { ServerMediaDispatcher } from './server-media.ts';

type ConnectionState =
  | { readonly kind: 'awaiting-connect' }
  | { readonly kind: 'connected'; readonly app: string; readonly query: Readonly<Record<string, string>> };

export type NetStreamState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'publish-pending'; readonly name: string }
  | { readonly kind: 'publishing'; readonly name: string }
  | { readonly kind: 'play-pending'; readonly name: string }
  | { readonly kind: 'playing'; readonly name: string; readonly paused: boolean };

export class ServerSession {
  readonly #send: (buffers: Buffer[]) => void;
  readonly #emit: (event: ServerSessionEvent) => void;
  readonly #writer = new ChunkWriter();
  readonly #acks = new AckTracker();
  readonly #media: ServerMediaDispatcher;
  readonly #chunkSize: number;
  readonly #windowAckSize: number;
  readonly #maxStreams: number;
  #state: ConnectionState = { kind: 'awaiting-connect' };
  readonly #streams = new Map<number, NetStreamState>();

  constructor(
    send: (buffers: Buffer[]) => void,
    emit: (event: ServerSessionEvent) => void,
    options: ServerSessionOptions = {},
  ) {
    this.#send = send;
    this.#emit = emit;
    this.#chunkSize = options.chunkSize ?? DEFAULT_SERVER_CHUNK_SIZE;
    this.#windowAckSize = options.windowAckSize ?? DEFAULT_WINDOW_ACK_SIZE;
    this.#maxStreams = options.maxStreams ?? MAX_NET_STREAMS;
    this.#media = new ServerMediaDispatcher(emit);
  }

  /** Our outgoing chunk size once connected: shared play buffers must be chunked with it. */
  get chunkSize(): number {
    return this.#writer.chunkSize;
  }

  get app(): string | undefined {
    return this.#state.kind === 'connected' ? this.#state.app : undefined;
  }

  streamState(streamId: number): NetStreamState | undefined {
    return this.#streams.get(streamId);
  }

  /** Media messages dropped because their stream was not publishing. */
  get droppedMessages(): number {
    return this.#media.dropped;
  }

  /** Counts bytes read from the socket (handshake excluded) and acknowledges when due. */
  onBytesReceived(n: number): void {
    const ack = this.#acks.onBytes(n);
    if (ack !== null) this.#write(acknowledgementMessage(ack));
  }

  /** Handles one message from the ChunkReader. Throws ProtocolError on a protocol violation. */
  handleMessage(m: RtmpMessage): void {
    const control = decodeProtocolControl(m);
    if (control !== null) {
      switch (control.kind) {
        case 'window-ack-size':
          this.#acks.setWindow(control.size);
          return;
        case 'set-peer-bandwidth':
          // §5.4.5: answer with our Window Acknowledgement Size when it differs.
          if (control.size !== this.#windowAckSize) this.#write(windowAckSizeMessage(this.#windowAckSize));
          return;
        case 'user-control':
          if (control.event === UserControlEvent.PingRequest) {
            this.#write(userControlMessage(UserControlEvent.PingResponse, control.streamId));
          }
          return;
        case 'set-chunk-size': // applied by the ChunkReader
        case 'abort':
        case 'acknowledgement':
          return;
      }
    }
    if (isCommandMessage(m.typeId)) {
      this.#onCommand(decodeCommand(m), m.messageStreamId);
      return;
    }
    this.#media.dispatch(m, this.#streams.get(m.messageStreamId));
  }

  acceptPublish(streamId: number): void {
    const s = this.#streams.get(streamId);
    if (s?.kind !== 'publish-pending') return;
    this.#streams.set(streamId, { kind: 'publishing', name: s.name });
    this.#write(userControlMessage(UserControlEvent.StreamBegin, streamId));
    this.#write(onStatusMessage(streamId, statusInfo('status', 'NetStream.Publish.Start', `${s.name} is now published.`, { details: s.name })));
  }

  /** Refuses a pending publish with an onStatus error (the owner usually closes afterwards). */
  rejectPublish(streamId: number, code = 'NetStream.Publish.BadName', description = 'Publish refused.'): void {
    const s = this.#streams.get(streamId);
    if (s?.kind !== 'publish-pending') return;
    this.#streams.set(streamId, { kind: 'idle' });
    this.#write(onStatusMessage(streamId, statusInfo('error', code, description)));
  }

  acceptPlay(streamId: number): void {
    const s = this.#streams.get(streamId);
    if (s?.kind !== 'play-pending') return;
    this.#streams.set(streamId, { kind: 'playing', name: s.name, paused: false });
    this.#write(userControlMessage(UserControlEvent.StreamBegin, streamId));
    this.#write(onStatusMessage(streamId, statusInfo('status', 'NetStream.Play.Reset', `Playing and resetting ${s.name}.`, { details: s.name })));
    this.#write(onStatusMessage(streamId, statusInfo('status', 'NetStream.Play.Start', `Started playing ${s.name}.`, { details: s.name })));
  }

  rejectPlay(streamId: number, code = 'NetStream.Play.StreamNotFound', description = 'Stream not found.'): void {
    const s = this.#streams.get(streamId);
    if (s?.kind !== 'play-pending') return;
    this.#streams.set(streamId, { kind: 'idle' });
    this.#write(onStatusMessage(streamId, statusInfo('error', code, description)));
  }

  /** Tells a player its stream ended (publisher gone): StreamEOF + NetStream.Play.UnpublishNotify. */
  notifyUnpublished(streamId: number): void {
    const s = this.#streams.get(streamId);
    if (s?.kind !== 'playing') return;
    this.#write(onStatusMessage(streamId, statusInfo('status', 'NetStream.Play.UnpublishNotify', `${s.name} is now unpublished.`)));
    this.#write(userControlMessage(UserControlEvent.StreamEof, streamId));
  }

  /** Sends a ping request carrying `timestampMs` (the owner drives the timer). */
  ping(timestampMs: number): void {
    this.#write(userControlMessage(UserControlEvent.PingRequest, timestampMs));
  }

  #write(message: OutgoingMessage): void {
    this.#send(this.#writer.encode(message));
  }

  #onCommand(cmd: Command, streamId: number): void {
    if (this.#state.kind === 'awaiting-connect') {
      if (cmd.name !== 'connect') {
        throw new ProtocolError('RTMP_COMMAND_BEFORE_CONNECT', `command ${JSON.stringify(cmd.name.slice(0, 64))} before connect`);
      }
      this.#onConnect(cmd);
      return;
    }
    const app = this.#state.app;
    switch (cmd.name) {
      case 'connect':
        this.#write(errorMessage(cmd.transactionId, statusInfo('error', 'NetConnection.Connect.Rejected', 'Already connected.')));
        return;
      case 'createStream':
        this.#onCreateStream(cmd);
        return;
      case 'releaseStream':
      case 'FCPublish':
      case 'FCSubscribe':
      case 'FCUnsubscribe':
        this.#result(cmd, null);
        return;
      case 'getStreamLength':
        this.#result(cmd, null, 0);
        return;
      case 'FCUnpublish':
        this.#onFCUnpublish(cmd);
        return;
      case 'publish':
        this.#onPublish(cmd, streamId, app);
        return;
      case 'play':
        this.#onPlay(cmd, streamId, app);
        return;
      case 'deleteStream':
        this.#endStream(typeof cmd.args[0] === 'number' ? cmd.args[0] : streamId, true);
        return;
      case 'closeStream':
        this.#endStream(streamId, false);
        return;
      case 'pause':
        this.#onPause(cmd, streamId);
        return;
      case 'receiveAudio':
      case 'receiveVideo': {
        if (!this.#streams.has(streamId)) return;
        const type = cmd.name === 'receiveAudio' ? 'receive-audio' : 'receive-video';
        this.#emit({ type, streamId, enabled: cmd.args[0] !== false });
        return;
      }
      case '_result':
      case '_error':
      case 'onStatus':
      case 'onBWDone':
      case '_checkbw':
        return; // answers to calls we never make, or bandwidth probes: nothing to do
      default:
        if (cmd.transactionId !== 0) {
          this.#write(errorMessage(cmd.transactionId, statusInfo('error', 'NetConnection.Call.Failed', `Method not found (${cmd.name.slice(0, 64)}).`)));
        }
        this.#emit({ type: 'unknown-command', name: cmd.name.slice(0, 64), streamId });
    }
  }

  #result(cmd: Command, commandObject: AmfValue, ...args: AmfValue[]): void {
    if (cmd.transactionId !== 0) this.#write(resultMessage(cmd.transactionId, commandObject, ...args));
  }

  #onConnect(cmd: Command): void {
    const obj: AmfObject = isAmfObject(cmd.commandObject) ? cmd.commandObject : {};
    const rawApp = typeof obj['app'] === 'string' ? obj['app'] : '';
    if (rawApp.length > MAX_NAME_LENGTH) throw new ProtocolError('RTMP_COMMAND_INVALID', 'app name too long');
    const { name: app, query } = splitQuery(rawApp);
    const tcUrl = typeof obj['tcUrl'] === 'string' ? obj['tcUrl'] : undefined;
    this.#state = { kind: 'connected', app, query };
    this.#write(windowAckSizeMessage(this.#windowAckSize));
    this.#write(setPeerBandwidthMessage(this.#windowAckSize, PeerBandwidthLimit.Dynamic));
    this.#write(setChunkSizeMessage(this.#chunkSize));
    this.#writer.chunkSize = this.#chunkSize;
    const objectEncoding = typeof obj['objectEncoding'] === 'number' ? obj['objectEncoding'] : 0;
    this.#write(
      resultMessage(
        cmd.transactionId,
        { fmsVer: 'FMS/3,5,7,7009', capabilities: 31, mode: 1 },
        statusInfo('status', 'NetConnection.Connect.Success', 'Connection succeeded.', { objectEncoding }),
      ),
    );
    this.#emit({ type: 'connect', app, tcUrl, query, commandObject: obj });
  }

  #onCreateStream(cmd: Command): void {
    let id = 1;
    while (this.#streams.has(id)) id++;
    if (id > this.#maxStreams) {
      this.#write(errorMessage(cmd.transactionId, statusInfo('error', 'NetConnection.Call.Failed', 'Too many streams.')));
      return;
    }
    this.#streams.set(id, { kind: 'idle' });
    this.#result(cmd, null, id);
  }

  #streamName(cmd: Command): { name: string; query: Record<string, string> } | null {
    const raw = cmd.args[0];
    if (typeof raw !== 'string' || raw.length > MAX_NAME_LENGTH) return null;
    const { name, query } = splitQuery(raw);
    if (name === '') return null;
    const appQuery = this.#state.kind === 'connected' ? this.#state.query : {};
    return { name, query: { ...appQuery, ...query } };
  }

  #onPublish(cmd: Command, streamId: number, app: string): void {
    const s = this.#streams.get(streamId);
    const parsed = this.#streamName(cmd);
    if (s?.kind !== 'idle' || parsed === null) {
      const reason = s === undefined ? 'No such stream.' : s.kind !== 'idle' ? 'Stream is busy.' : 'Bad stream name.';
      this.#write(onStatusMessage(streamId, statusInfo('error', 'NetStream.Publish.BadName', reason)));
      return;
    }
    const publishType = typeof cmd.args[1] === 'string' ? cmd.args[1] : 'live';
    this.#streams.set(streamId, { kind: 'publish-pending', name: parsed.name });
    this.#emit({ type: 'publish-requested', streamId, app, streamName: parsed.name, query: parsed.query, publishType });
  }

  #onPlay(cmd: Command, streamId: number, app: string): void {
    const s = this.#streams.get(streamId);
    const parsed = this.#streamName(cmd);
    if (s?.kind !== 'idle' || parsed === null) {
      const reason = s === undefined ? 'No such stream.' : s.kind !== 'idle' ? 'Stream is busy.' : 'Bad stream name.';
      this.#write(onStatusMessage(streamId, statusInfo('error', 'NetStream.Play.Failed', reason)));
      return;
    }
    this.#streams.set(streamId, { kind: 'play-pending', name: parsed.name });
    this.#emit({ type: 'play-requested', streamId, app, streamName: parsed.name, query: parsed.query });
  }

  #onFCUnpublish(cmd: Command): void {
    const parsed = this.#streamName(cmd);
    for (const [id, s] of this.#streams) {
      if (s.kind === 'publishing' && (parsed === null || s.name === parsed.name)) this.#endStream(id, false);
    }
    this.#result(cmd, null);
  }

  #onPause(cmd: Command, streamId: number): void {
    const s = this.#streams.get(streamId);
    if (s?.kind !== 'playing') return;
    const paused = cmd.args[0] === true;
    this.#streams.set(streamId, { ...s, paused });
    const code = paused ? 'NetStream.Pause.Notify' : 'NetStream.Unpause.Notify';
    this.#write(onStatusMessage(streamId, statusInfo('status', code, paused ? 'Paused.' : 'Unpaused.')));
    this.#emit({ type: 'pause', streamId, paused });
  }

  /** closeStream (keep the id) / deleteStream (free it): ends a publish or a play. */
  #endStream(streamId: number, remove: boolean): void {
    const s = this.#streams.get(streamId);
    if (s === undefined) return;
    if (remove) this.#streams.delete(streamId);
    else this.#streams.set(streamId, { kind: 'idle' });
    if (s.kind === 'publishing' || s.kind === 'publish-pending') this.#emit({ type: 'unpublish', streamId });
    else if (s.kind === 'playing' || s.kind === 'play-pending') this.#emit({ type: 'play-stopped', streamId });
  }
}
