/**
 * Media messages of a publishing NetStream as FLV-tag-shaped events: audio and video as they
 * are, AMF0 data as is, AMF3 data without its format byte, aggregates split into their parts.
 */
import type { RtmpMessage } from '../chunk/rtmp-message.ts';
import { splitAggregate } from '../message/aggregate.ts';
import { MessageType } from '../message/message-type.ts';
import type { ServerSessionEvent } from './server-session-events.ts';
import type { NetStreamState } from './server-session.ts';

export class ServerMediaDispatcher {
  readonly #emit: (event: ServerSessionEvent) => void;
  /** Media messages for streams that are not publishing (late packets after unpublish, etc.). */
  dropped = 0;

  constructor(emit: (event: ServerSessionEvent) => void) {
    this.#emit = emit;
  }

  dispatch(m: RtmpMessage, stream: NetStreamState | undefined): void {
    if (m.typeId === MessageType.Aggregate) {
      for (const sub of splitAggregate(m)) {
        this.dispatch({ ...m, typeId: sub.typeId, timestamp: sub.timestamp, payload: sub.payload }, stream);
      }
      return;
    }
    let tagType: 8 | 9 | 18;
    let body = m.payload;
    switch (m.typeId) {
      case MessageType.Audio:
        tagType = 8;
        break;
      case MessageType.Video:
        tagType = 9;
        break;
      case MessageType.DataAmf0:
        tagType = 18;
        break;
      case MessageType.DataAmf3:
        tagType = 18;
        if (body.length > 0 && body[0] === 0) body = body.subarray(1);
        break;
      default:
        // Shared objects (16, 19) and unknown types: not used by live streaming; ignored.
        this.dropped++;
        return;
    }
    // Publishers may send metadata between publish and its acceptance: pending counts too.
    if (stream?.kind !== 'publishing' && stream?.kind !== 'publish-pending') {
      this.dropped++;
      return;
    }
    this.#emit({ type: 'media', streamId: m.messageStreamId, tagType, timestamp: m.timestamp, body });
  }
}
