/**
 * Incremental FLV file/stream demuxer (FLV spec §E.2-E.3): push bytes in any pieces, get tags.
 * Used for `ffmpeg -f flv pipe:1` output and FLV files. Tag bodies are views when they arrive
 * in one piece, else one copy.
 */
import { ByteQueue } from '../bytes/byte-queue.ts';
import { ProtocolError } from '../errors.ts';
import { FLV_HEADER_SIZE, FLV_PREVIOUS_TAG_SIZE_SIZE, FLV_TAG_HEADER_SIZE, FlvTagType } from './constants.ts';

export interface FlvTag {
  /** FlvTagType: 8 audio, 9 video, 18 script data. */
  readonly type: number;
  /** 32-bit timestamp in ms (TimestampExtended as the upper byte). */
  readonly timestampMs: number;
  readonly body: Buffer;
}

export interface FlvHeaderInfo {
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
}

export interface FlvDemuxerOptions {
  /** Largest tag body accepted. Defaults to MAX_FLV_TAG_BYTES (8 MiB). */
  readonly maxTagBytes?: number;
  /** Reject a PreviousTagSize that disagrees with the tag before it. Defaults to true. */
  readonly checkPreviousTagSize?: boolean;
  readonly onHeader?: (header: FlvHeaderInfo) => void;
}

/** Default tag body limit: a 4K intra frame at high quality stays well below 8 MiB. */
export const MAX_FLV_TAG_BYTES = 8 * 1024 * 1024;
/** DataOffset larger than this is not a real FLV header (version 1 uses 9). */
const MAX_FLV_HEADER_SIZE = 1024;
/** TypeFlags bits (§E.2). */
const FLAG_AUDIO = 0x04;
const FLAG_VIDEO = 0x01;
/** Tag header byte 0: 2 reserved bits, Filter bit, 5-bit TagType. */
const FILTER_BIT = 0x20;
const TAG_TYPE_MASK = 0x1f;

type DemuxerState = 'header' | 'header-padding' | 'previous-tag-size' | 'tag-header' | 'tag-body';

export class FlvDemuxer {
  readonly #queue = new ByteQueue();
  readonly #onTag: (tag: FlvTag) => void;
  readonly #maxTagBytes: number;
  readonly #checkPreviousTagSize: boolean;
  readonly #onHeader: ((header: FlvHeaderInfo) => void) | undefined;
  #state: DemuxerState = 'header';
  #headerPadding = 0;
  /** Expected PreviousTagSize: 0 before the first tag, then 11 + the last body size. */
  #expectedPreviousTagSize = 0;
  #tagType = 0;
  #tagTimestampMs = 0;
  #tagBodySize = 0;

  constructor(onTag: (tag: FlvTag) => void, options: FlvDemuxerOptions = {}) {
    this.#onTag = onTag;
    this.#maxTagBytes = options.maxTagBytes ?? MAX_FLV_TAG_BYTES;
    this.#checkPreviousTagSize = options.checkPreviousTagSize ?? true;
    this.#onHeader = options.onHeader;
  }

  /** Bytes received but not yet parsed (bounded by the tag size limit plus one header). */
  get bufferedBytes(): number {
    return this.#queue.length;
  }

  /** Feeds bytes and emits every complete tag; throws ProtocolError on a format violation. */
  push(chunk: Buffer): void {
    this.#queue.push(chunk);
    while (this.#step()) {
      // keep parsing while progress is made
    }
  }

  #step(): boolean {
    const q = this.#queue;
    switch (this.#state) {
      case 'header': {
        if (q.length < FLV_HEADER_SIZE) return false;
        const h = q.consume(FLV_HEADER_SIZE);
        if (h[0] !== 0x46 || h[1] !== 0x4c || h[2] !== 0x56) {
          throw new ProtocolError('FLV_HEADER_INVALID', 'stream does not start with "FLV"');
        }
        const dataOffset = h.readUInt32BE(5);
        if (dataOffset < FLV_HEADER_SIZE || dataOffset > MAX_FLV_HEADER_SIZE) {
          throw new ProtocolError('FLV_HEADER_INVALID', `FLV DataOffset ${dataOffset}`);
        }
        this.#onHeader?.({ hasAudio: (h[4]! & FLAG_AUDIO) !== 0, hasVideo: (h[4]! & FLAG_VIDEO) !== 0 });
        this.#headerPadding = dataOffset - FLV_HEADER_SIZE;
        this.#state = 'header-padding';
        return true;
      }
      case 'header-padding': {
        if (q.length < this.#headerPadding) return false;
        q.skip(this.#headerPadding);
        this.#state = 'previous-tag-size';
        return true;
      }
      case 'previous-tag-size': {
        if (q.length < FLV_PREVIOUS_TAG_SIZE_SIZE) return false;
        const size = q.consume(FLV_PREVIOUS_TAG_SIZE_SIZE).readUInt32BE(0);
        if (this.#checkPreviousTagSize && size !== this.#expectedPreviousTagSize) {
          throw new ProtocolError(
            'FLV_PREVIOUS_TAG_SIZE_MISMATCH',
            `PreviousTagSize ${size}, expected ${this.#expectedPreviousTagSize}`,
          );
        }
        this.#state = 'tag-header';
        return true;
      }
      case 'tag-header': {
        if (q.length < FLV_TAG_HEADER_SIZE) return false;
        const h = q.consume(FLV_TAG_HEADER_SIZE);
        if ((h[0]! & FILTER_BIT) !== 0) {
          throw new ProtocolError('FLV_TAG_TYPE_INVALID', 'encrypted (filtered) FLV tags are not supported');
        }
        const type = h[0]! & TAG_TYPE_MASK;
        if (type !== FlvTagType.Audio && type !== FlvTagType.Video && type !== FlvTagType.Script) {
          throw new ProtocolError('FLV_TAG_TYPE_INVALID', `FLV tag type ${type}`);
        }
        const size = h.readUIntBE(1, 3);
        if (size > this.#maxTagBytes) {
          throw new ProtocolError('FLV_TAG_TOO_LARGE', `FLV tag of ${size} bytes exceeds ${this.#maxTagBytes}`);
        }
        this.#tagType = type;
        this.#tagBodySize = size;
        // TimestampExtended is the upper 8 bits of a 32-bit timestamp.
        this.#tagTimestampMs = (h[7]! * 0x1000000 + h.readUIntBE(4, 3)) >>> 0;
        this.#state = 'tag-body';
        return true;
      }
      case 'tag-body': {
        if (q.length < this.#tagBodySize) return false;
        const body = q.consume(this.#tagBodySize);
        this.#expectedPreviousTagSize = FLV_TAG_HEADER_SIZE + this.#tagBodySize;
        this.#state = 'previous-tag-size';
        this.#onTag({ type: this.#tagType, timestampMs: this.#tagTimestampMs, body });
        return true;
      }
      default: {
        const never: never = this.#state;
        throw new Error(`unreachable demuxer state ${String(never)}`);
      }
    }
  }
}
