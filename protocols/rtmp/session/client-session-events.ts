/** What a ClientSession reports, and its options. */
import type { AmfObject } from '../amf0/amf-value.ts';
import type { MediaTag } from '../message/media-message.ts';

export type ClientSessionEvent =
  /** NetConnection.Connect.Success. */
  | { readonly type: 'connected'; readonly info: AmfObject }
  /** NetStream.Play.Start / NetStream.Publish.Start: media may flow. */
  | { readonly type: 'started'; readonly streamId: number }
  /** Play mode: one media tag. */
  | ({ readonly type: 'media' } & MediaTag)
  /** Any other onStatus (Play.Reset, UnpublishNotify, ...). */
  | { readonly type: 'status'; readonly level: string; readonly code: string; readonly description: string }
  /** The server refused or ended us (connect rejected, _error, onStatus error, StreamEOF). */
  | { readonly type: 'failed'; readonly code: string; readonly description: string }
  /** User Control StreamEOF for our stream. */
  | { readonly type: 'stream-eof' };

export interface ClientSessionOptions {
  /** 'play' pulls the stream, 'publish' pushes one. */
  readonly mode: 'play' | 'publish';
  readonly app: string;
  readonly tcUrl: string;
  /** Stream name, with its query (`cam1?key=SECRET`). */
  readonly streamName: string;
  /** Our outgoing chunk size, announced after connect. Defaults to 4096 bytes. */
  readonly chunkSize?: number;
  /** Window Acknowledgement Size we announce. Defaults to 2 500 000 bytes. */
  readonly windowAckSize?: number;
  /** SetBufferLength sent after play, in ms. Defaults to 1000. */
  readonly bufferMs?: number;
  /** flashVer in connect. Defaults to 'FMLE/3.0 (compatible; Cupola)'. */
  readonly flashVer?: string;
}
