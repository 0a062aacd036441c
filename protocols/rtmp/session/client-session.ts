/**
 * Client side of an RTMP connection after the handshake: connect, createStream, then play or
 * publish (with releaseStream/FCPublish as encoders send them), acknowledgements and ping
 * answers. Pure: messages in, chunk buffers out through `send`, events through `emit`.
 */
import type { AmfObject, AmfValue } from '../amf0/amf-value.ts';
import { isAmfObject } from '../amf0/amf-value.ts';
import { ChunkWriter, type OutgoingMessage } from '../chunk/chunk-writer.ts';
import type { RtmpMessage } from '../chunk/rtmp-message.ts';
import { commandMessage, decodeCommand, isCommandMessage } from '../message/command.ts';
import type { Command } from '../message/command.ts';
import { mediaTags } from '../message/media-message.ts';
import { ChunkStreamId, UserControlEvent } from '../message/message-type.ts';
import {
  acknowledgementMessage,
  decodeProtocolControl,
  setBufferLengthMessage,
  setChunkSizeMessage,
  userControlMessage,
  windowAckSizeMessage,
} from '../message/protocol-control.ts';
import { AckTracker } from './ack-tracker.ts';
import type { ClientSessionEvent, ClientSessionOptions } from './client-session-events.ts';

const TX_CONNECT = 1;
const TX_RELEASE_STREAM = 2;
const TX_FC_PUBLISH = 3;
const TX_CREATE_STREAM = 4;

type ClientState =
  | { readonly kind: 'initial' }
  | { readonly kind: 'connecting' }
  | { readonly kind: 'creating-stream' }
  | { readonly kind: 'starting'; readonly streamId: number }
  | { readonly kind: 'started'; readonly streamId: number }
  | { readonly kind: 'failed' };

export class ClientSession {
  readonly #options: ClientSessionOptions;
  readonly #send: (buffers: Buffer[]) => void;
  readonly #emit: (event: ClientSessionEvent) => void;
  readonly #writer = new ChunkWriter();
  readonly #acks = new AckTracker();
  #state: ClientState = { kind: 'initial' };

  constructor(options: ClientSessionOptions, send: (buffers: Buffer[]) => void, emit: (event: ClientSessionEvent) => void) {
    this.#options = options;
    this.#send = send;
    this.#emit = emit;
  }

  get state(): ClientState['kind'] {
    return this.#state.kind;
  }

  /** The NetStream id once created. */
  get streamId(): number | undefined {
    const s = this.#state;
    return s.kind === 'starting' || s.kind === 'started' ? s.streamId : undefined;
  }

  /** Sends Set Chunk Size and connect; call once the handshake is done. */
  start(): void {
    if (this.#state.kind !== 'initial') return;
    const o = this.#options;
    const chunkSize = o.chunkSize ?? 4096;
    this.#write(setChunkSizeMessage(chunkSize));
    this.#writer.chunkSize = chunkSize;
    const commandObject: AmfObject = {
      app: o.app,
      type: 'nonprivate',
      flashVer: o.flashVer ?? 'FMLE/3.0 (compatible; Cupola)',
      tcUrl: o.tcUrl,
      fpad: false,
      capabilities: 15,
      audioCodecs: 0x0fff,
      videoCodecs: 0x00ff,
      videoFunction: 1,
      objectEncoding: 0,
      // Enhanced RTMP: the codecs we can receive/send as FourCC.
      fourCcList: ['avc1', 'hvc1'],
    };
    this.#state = { kind: 'connecting' };
    this.#write(commandMessage({ name: 'connect', transactionId: TX_CONNECT, commandObject, args: [] }));
  }

  onBytesReceived(n: number): void {
    const ack = this.#acks.onBytes(n);
    if (ack !== null) this.#write(acknowledgementMessage(ack));
  }

  handleMessage(m: RtmpMessage): void {
    const control = decodeProtocolControl(m);
    if (control !== null) {
      if (control.kind === 'window-ack-size') this.#acks.setWindow(control.size);
      else if (control.kind === 'set-peer-bandwidth') this.#write(windowAckSizeMessage(this.#options.windowAckSize ?? 2_500_000));
      else if (control.kind === 'user-control') {
        if (control.event === UserControlEvent.PingRequest) {
          this.#write(userControlMessage(UserControlEvent.PingResponse, control.streamId));
        } else if (control.event === UserControlEvent.StreamEof && control.streamId === this.streamId) {
          this.#emit({ type: 'stream-eof' });
        }
      }
      return;
    }
    if (isCommandMessage(m.typeId)) {
      this.#onCommand(decodeCommand(m));
      return;
    }
    if (this.#state.kind !== 'started' || this.#options.mode !== 'play' || m.messageStreamId !== this.#state.streamId) return;
    for (const t of mediaTags(m)) this.#emit({ type: 'media', ...t });
  }

  /** Publish mode: sends one FLV-shaped tag as an RTMP message (ignored before `started`). */
  sendMedia(tagType: 8 | 9 | 18, timestamp: number, payload: Buffer | readonly Buffer[]): void {
    const s = this.#state;
    if (s.kind !== 'started' || this.#options.mode !== 'publish') return;
    const chunkStreamId = tagType === 9 ? ChunkStreamId.Video : tagType === 8 ? ChunkStreamId.Audio : ChunkStreamId.Data;
    this.#write({ chunkStreamId, timestamp, typeId: tagType, messageStreamId: s.streamId, payload });
  }

  /**
   * Play mode: NetStream receiveAudio / receiveVideo (ask the server to stop or resume sending a
   * track) or pause. Ignored before `started`.
   */
  sendStreamCommand(name: 'receiveAudio' | 'receiveVideo' | 'pause', flag: boolean): void {
    const s = this.#state;
    if (s.kind !== 'started' || this.#options.mode !== 'play') return;
    const args: AmfValue[] = name === 'pause' ? [flag, 0] : [flag];
    this.#write(commandMessage({ name, transactionId: 0, commandObject: null, args }, s.streamId));
  }

  /** Polite goodbye: FCUnpublish (publish) and deleteStream. The owner then closes the socket. */
  stop(): void {
    const id = this.streamId;
    if (id === undefined) return;
    if (this.#options.mode === 'publish') {
      this.#call('FCUnpublish', 0, this.#options.streamName);
    }
    this.#call('deleteStream', 0, id);
    this.#state = { kind: 'failed' };
  }

  #write(message: OutgoingMessage): void {
    this.#send(this.#writer.encode(message));
  }

  #call(name: string, transactionId: number, ...args: AmfValue[]): void {
    this.#write(commandMessage({ name, transactionId, commandObject: null, args }));
  }

  #fail(code: string, description: string): void {
    if (this.#state.kind === 'failed') return;
    this.#state = { kind: 'failed' };
    this.#emit({ type: 'failed', code, description });
  }

  #onCommand(cmd: Command): void {
    const info = cmd.args[0];
    const infoObj = info !== undefined && isAmfObject(info) ? info : {};
    const code = typeof infoObj['code'] === 'string' ? infoObj['code'] : '';
    const description = typeof infoObj['description'] === 'string' ? infoObj['description'] : '';
    switch (cmd.name) {
      case '_result':
        this.#onResult(cmd, infoObj);
        return;
      case '_error':
        this.#fail(code || 'NetConnection.Call.Failed', description || `call ${cmd.transactionId} failed`);
        return;
      case 'onStatus': {
        const level = typeof infoObj['level'] === 'string' ? infoObj['level'] : 'status';
        if (level === 'error') {
          this.#fail(code, description);
          return;
        }
        const s = this.#state;
        if (s.kind === 'starting' && (code === 'NetStream.Play.Start' || code === 'NetStream.Publish.Start')) {
          this.#state = { kind: 'started', streamId: s.streamId };
          this.#emit({ type: 'started', streamId: s.streamId });
          return;
        }
        this.#emit({ type: 'status', level, code, description });
        return;
      }
      case 'onBWDone':
      case 'onFCPublish':
      case 'onFCUnpublish':
      case '|RtmpSampleAccess':
        return; // informational
      default:
        // Calls from the server we do not implement: answer _error when a result is expected.
        if (cmd.transactionId !== 0) {
          this.#write(commandMessage({ name: '_error', transactionId: cmd.transactionId, commandObject: null, args: [] }));
        }
    }
  }

  #onResult(cmd: Command, info: AmfObject): void {
    const s = this.#state;
    if (cmd.transactionId === TX_CONNECT && s.kind === 'connecting') {
      const code = typeof info['code'] === 'string' ? info['code'] : 'NetConnection.Connect.Success';
      if (code !== 'NetConnection.Connect.Success') {
        this.#fail(code, typeof info['description'] === 'string' ? info['description'] : 'connect failed');
        return;
      }
      this.#write(windowAckSizeMessage(this.#options.windowAckSize ?? 2_500_000));
      this.#emit({ type: 'connected', info });
      if (this.#options.mode === 'publish') {
        this.#call('releaseStream', TX_RELEASE_STREAM, this.#options.streamName);
        this.#call('FCPublish', TX_FC_PUBLISH, this.#options.streamName);
      }
      this.#state = { kind: 'creating-stream' };
      this.#write(commandMessage({ name: 'createStream', transactionId: TX_CREATE_STREAM, commandObject: null, args: [] }));
      return;
    }
    if (cmd.transactionId === TX_CREATE_STREAM && s.kind === 'creating-stream') {
      const id = cmd.args[0];
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
        this.#fail('NetConnection.Call.Failed', 'createStream returned no stream id');
        return;
      }
      this.#state = { kind: 'starting', streamId: id };
      const o = this.#options;
      if (o.mode === 'play') {
        this.#write(commandMessage({ name: 'play', transactionId: 0, commandObject: null, args: [o.streamName, -2000] }, id));
        this.#write(setBufferLengthMessage(id, o.bufferMs ?? 1000));
      } else {
        this.#write(commandMessage({ name: 'publish', transactionId: 0, commandObject: null, args: [o.streamName, 'live'] }, id));
      }
    }
    // Results of releaseStream / FCPublish need nothing.
  }
}

