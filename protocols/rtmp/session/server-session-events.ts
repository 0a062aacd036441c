/** What a ServerSession reports to its owner (the listener), and its options. */
import type { AmfObject } from '../amf0/amf-value.ts';

export type ServerSessionEvent =
  | {
      readonly type: 'connect';
      readonly app: string;
      readonly tcUrl: string | undefined;
      readonly query: Readonly<Record<string, string>>;
      readonly commandObject: AmfObject;
    }
  /** The client asks to publish; answer with acceptPublish / rejectPublish (now or later). */
  | {
      readonly type: 'publish-requested';
      readonly streamId: number;
      readonly app: string;
      readonly streamName: string;
      /** Query parameters of the stream name and the app (stream name wins), e.g. `key`. */
      readonly query: Readonly<Record<string, string>>;
      readonly publishType: string;
    }
  /** The client asks to play; answer with acceptPlay / rejectPlay. */
  | {
      readonly type: 'play-requested';
      readonly streamId: number;
      readonly app: string;
      readonly streamName: string;
      readonly query: Readonly<Record<string, string>>;
    }
  /**
   * Audio (8), video (9) or script data (18) of an accepted publish, shaped as an FLV tag body:
   * AMF3 data messages lose their format byte, aggregate messages arrive split.
   */
  | {
      readonly type: 'media';
      readonly streamId: number;
      readonly tagType: 8 | 9 | 18;
      readonly timestamp: number;
      readonly body: Buffer;
    }
  /** A publishing stream ended (FCUnpublish, closeStream, deleteStream). */
  | { readonly type: 'unpublish'; readonly streamId: number }
  /** A playing stream ended (closeStream, deleteStream). */
  | { readonly type: 'play-stopped'; readonly streamId: number }
  | { readonly type: 'pause'; readonly streamId: number; readonly paused: boolean }
  | { readonly type: 'receive-audio'; readonly streamId: number; readonly enabled: boolean }
  | { readonly type: 'receive-video'; readonly streamId: number; readonly enabled: boolean }
  /** A command we do not implement (answered with _error when it expected a result). */
  | { readonly type: 'unknown-command'; readonly name: string; readonly streamId: number };

export interface ServerSessionOptions {
  /** Our outgoing chunk size, announced right after connect. Defaults to 4096 bytes. */
  readonly chunkSize?: number;
  /** Window Acknowledgement Size and Set Peer Bandwidth we announce. Defaults to 2500000 bytes. */
  readonly windowAckSize?: number;
  /** NetStreams one connection may create. Defaults to MAX_NET_STREAMS (8). */
  readonly maxStreams?: number;
}

export const DEFAULT_SERVER_CHUNK_SIZE = 4096;
export const DEFAULT_WINDOW_ACK_SIZE = 2_500_000;
export const MAX_NET_STREAMS = 8;
