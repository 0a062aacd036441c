/**
 * Media messages of a publishing NetStream become `media` events (FLV-tag-shaped, see
 * media-message.ts); media for streams that are not publishing is counted and dropped.
 */
import type { RtmpMessage } from '../chunk/rtmp-message.ts';
import { mediaTags } from '../message/media-message.ts';
import type { ServerSessionEvent } from './server-session-events.ts';
import type { NetStreamState } from './server-session.ts';

export class ServerMediaDispatcher {
  readonly #emit: (event: ServerSessionEvent) => void;
  /** Messages dropped: not media (shared objects, unknown types), or their stream not publishing. */
  dropped = 0;

  constructor(emit: (event: ServerSessionEvent) => void) {
    this.#emit = emit;
  }

  dispatch(m: RtmpMessage, stream: NetStreamState | undefined): void {
    // Publishers may send metadata between publish and its acceptance: pending counts too.
    if (stream?.kind !== 'publishing' && stream?.kind !== 'publish-pending') {
      this.dropped++;
      return;
    }
    const tags = mediaTags(m);
    if (tags.length === 0) this.dropped++;
    for (const t of tags) {
      this.#emit({ type: 'media', streamId: m.messageStreamId, tagType: t.tagType, timestamp: t.timestamp, body: t.body });
    }
  }
}
