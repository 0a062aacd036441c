/**
 * Audio, video and data messages as FLV-tag-shaped units: audio (8) and video (9) as they are,
 * AMF0 data (18) as is, AMF3 data (15) without its format byte, aggregates (22) split.
 */
import type { RtmpMessage } from '../chunk/rtmp-message.ts';
import { splitAggregate } from './aggregate.ts';
import { MessageType } from './message-type.ts';

export interface MediaTag {
  /** FLV tag type: 8 audio, 9 video, 18 script data. */
  readonly tagType: 8 | 9 | 18;
  readonly timestamp: number;
  readonly body: Buffer;
}

function tagOf(typeId: number, timestamp: number, payload: Buffer): MediaTag | null {
  switch (typeId) {
    case MessageType.Audio:
      return { tagType: 8, timestamp, body: payload };
    case MessageType.Video:
      return { tagType: 9, timestamp, body: payload };
    case MessageType.DataAmf0:
      return { tagType: 18, timestamp, body: payload };
    case MessageType.DataAmf3:
      return { tagType: 18, timestamp, body: payload.length > 0 && payload[0] === 0 ? payload.subarray(1) : payload };
    default:
      return null;
  }
}

export function isMediaMessage(typeId: number): boolean {
  return (
    typeId === MessageType.Audio ||
    typeId === MessageType.Video ||
    typeId === MessageType.DataAmf0 ||
    typeId === MessageType.DataAmf3 ||
    typeId === MessageType.Aggregate
  );
}

/** The media tags of a message; empty for other message types (shared objects, unknown). */
export function mediaTags(m: RtmpMessage): MediaTag[] {
  if (m.typeId === MessageType.Aggregate) {
    const out: MediaTag[] = [];
    for (const sub of splitAggregate(m)) {
      const t = tagOf(sub.typeId, sub.timestamp, sub.payload);
      if (t !== null) out.push(t);
    }
    return out;
  }
  const t = tagOf(m.typeId, m.timestamp, m.payload);
  return t === null ? [] : [t];
}
