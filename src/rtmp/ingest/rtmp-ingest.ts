/**
 * One RTMP publisher's media path: FLV-shaped messages -> FlvToFrames -> the registry
 * Publication (description, metadata, frames).
 */
import { FlvToFrames } from '../../../protocols/flv/to-frames.ts';
import type { Publication } from '../../streams/registry.ts';

export class RtmpIngest {
  readonly path: string;
  readonly #publication: Publication;
  readonly #frames = new FlvToFrames();
  #messages = 0;

  constructor(path: string, publication: Publication) {
    this.path = path;
    this.#publication = publication;
  }

  get stats(): { messages: number; droppedFrames: number; ignoredTags: number } {
    return { messages: this.#messages, droppedFrames: this.#frames.droppedFrames, ignoredTags: this.#frames.ignoredTags };
  }

  /** Throws ProtocolError on a malformed tag (the connection is then closed). */
  push(tagType: number, timestampMs: number, body: Buffer): void {
    this.#messages++;
    const r = this.#frames.pushTag(tagType, timestampMs, body);
    if (r.metadata !== undefined) this.#publication.setMetadata(r.metadata);
    if (r.description !== undefined) this.#publication.setDescription(r.description);
    for (const f of r.frames) this.#publication.pushFrame(f);
  }

  close(): void {
    this.#publication.close();
  }
}
