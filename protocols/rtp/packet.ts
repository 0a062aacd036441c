/**
 * RTP fixed header, CSRC list, header extension and padding (RFC 3550 §5.1, §5.3.1).
 * `RtpPacket.decode` returns views into the input; `encode*` size first and fill every byte once.
 */
import { ProtocolError } from '../errors.ts';

export const RTP_VERSION = 2;
export const RTP_HEADER_LENGTH = 12;
/** CC is 4 bits. */
export const MAX_CSRC_COUNT = 15;

const VERSION_SHIFT = 6;
const PADDING_BIT = 0x20;
const EXTENSION_BIT = 0x10;
const CSRC_COUNT_MASK = 0x0f;
const MARKER_BIT = 0x80;
const PAYLOAD_TYPE_MASK = 0x7f;

/** Header extension (RFC 3550 §5.3.1): a 16-bit profile value and data whose length is a multiple of 4. */
export interface RtpHeaderExtension {
  readonly profile: number;
  readonly data: Buffer;
}

export interface RtpPacketInit {
  readonly marker?: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrc?: readonly number[];
  readonly extension?: RtpHeaderExtension;
  readonly payload: Buffer;
  /** Bytes of padding after the payload, including the count byte (0 = no padding). */
  readonly paddingSize?: number;
}

export class RtpPacket {
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrc: readonly number[];
  readonly extension: RtpHeaderExtension | undefined;
  readonly payload: Buffer;
  readonly paddingSize: number;

  constructor(init: RtpPacketInit) {
    this.marker = init.marker ?? false;
    this.payloadType = init.payloadType;
    this.sequenceNumber = init.sequenceNumber;
    this.timestamp = init.timestamp;
    this.ssrc = init.ssrc;
    this.csrc = init.csrc ?? [];
    this.extension = init.extension;
    this.payload = init.payload;
    this.paddingSize = init.paddingSize ?? 0;
  }

  /**
   * Decodes one RTP packet (a whole UDP datagram or interleaved frame). Fields and payload are
   * views into `buf`; throws ProtocolError on a wrong version or inconsistent lengths.
   */
  static decode(buf: Buffer): RtpPacket {
    if (buf.length < RTP_HEADER_LENGTH) {
      throw new ProtocolError('RTP_PACKET_TRUNCATED', `RTP packet of ${buf.length} bytes is shorter than its header`);
    }
    const b0 = buf[0]!;
    const b1 = buf[1]!;
    if (b0 >> VERSION_SHIFT !== RTP_VERSION) {
      throw new ProtocolError('RTP_VERSION_UNSUPPORTED', `RTP version ${b0 >> VERSION_SHIFT}`);
    }
    const csrcCount = b0 & CSRC_COUNT_MASK;
    let offset = RTP_HEADER_LENGTH + 4 * csrcCount;
    if (offset > buf.length) throw new ProtocolError('RTP_PACKET_TRUNCATED', 'RTP CSRC list truncated');
    const csrc: number[] = [];
    for (let i = 0; i < csrcCount; i++) csrc.push(buf.readUInt32BE(RTP_HEADER_LENGTH + 4 * i));
    let extension: RtpHeaderExtension | undefined;
    if ((b0 & EXTENSION_BIT) !== 0) {
      if (offset + 4 > buf.length) throw new ProtocolError('RTP_PACKET_TRUNCATED', 'RTP extension header truncated');
      const profile = buf.readUInt16BE(offset);
      const dataLength = 4 * buf.readUInt16BE(offset + 2);
      offset += 4;
      if (offset + dataLength > buf.length) {
        throw new ProtocolError('RTP_PACKET_TRUNCATED', 'RTP extension data truncated');
      }
      extension = { profile, data: buf.subarray(offset, offset + dataLength) };
      offset += dataLength;
    }
    let end = buf.length;
    let paddingSize = 0;
    if ((b0 & PADDING_BIT) !== 0) {
      paddingSize = buf[buf.length - 1]!;
      if (paddingSize === 0 || offset + paddingSize > buf.length) {
        throw new ProtocolError('RTP_PADDING_INVALID', `RTP padding of ${paddingSize} bytes does not fit`);
      }
      end -= paddingSize;
    }
    return new RtpPacket({
      marker: (b1 & MARKER_BIT) !== 0,
      payloadType: b1 & PAYLOAD_TYPE_MASK,
      sequenceNumber: buf.readUInt16BE(2),
      timestamp: buf.readUInt32BE(4),
      ssrc: buf.readUInt32BE(8),
      csrc,
      ...(extension !== undefined ? { extension } : {}),
      payload: buf.subarray(offset, end),
      paddingSize,
    });
  }

  /** Size of the encoded packet in bytes. */
  encodedLength(): number {
    const ext = this.extension !== undefined ? 4 + this.extension.data.length : 0;
    return RTP_HEADER_LENGTH + 4 * this.csrc.length + ext + this.payload.length + this.paddingSize;
  }

  /** Writes the packet at `offset`; returns the number of bytes written. */
  encodeInto(buf: Buffer, offset: number): number {
    this.#validate();
    const length = this.encodedLength();
    if (offset + length > buf.length) throw new RangeError('buffer too small for RTP packet');
    const start = offset;
    buf[offset++] =
      (RTP_VERSION << VERSION_SHIFT) |
      (this.paddingSize > 0 ? PADDING_BIT : 0) |
      (this.extension !== undefined ? EXTENSION_BIT : 0) |
      this.csrc.length;
    buf[offset++] = (this.marker ? MARKER_BIT : 0) | this.payloadType;
    offset = buf.writeUInt16BE(this.sequenceNumber, offset);
    offset = buf.writeUInt32BE(this.timestamp >>> 0, offset);
    offset = buf.writeUInt32BE(this.ssrc >>> 0, offset);
    for (const c of this.csrc) offset = buf.writeUInt32BE(c >>> 0, offset);
    if (this.extension !== undefined) {
      offset = buf.writeUInt16BE(this.extension.profile, offset);
      offset = buf.writeUInt16BE(this.extension.data.length / 4, offset);
      offset += this.extension.data.copy(buf, offset);
    }
    offset += this.payload.copy(buf, offset);
    if (this.paddingSize > 0) {
      buf.fill(0, offset, offset + this.paddingSize - 1);
      offset += this.paddingSize;
      buf[offset - 1] = this.paddingSize;
    }
    return offset - start;
  }

  encode(): Buffer {
    const out = Buffer.allocUnsafe(this.encodedLength());
    this.encodeInto(out, 0);
    return out;
  }

  #validate(): void {
    if (this.payloadType < 0 || this.payloadType > PAYLOAD_TYPE_MASK) throw new RangeError(`payload type ${this.payloadType}`);
    if (this.csrc.length > MAX_CSRC_COUNT) throw new RangeError(`${this.csrc.length} CSRCs (max ${MAX_CSRC_COUNT})`);
    if (this.paddingSize < 0 || this.paddingSize > 255) throw new RangeError(`padding ${this.paddingSize}`);
    if (this.sequenceNumber < 0 || this.sequenceNumber > 0xffff) throw new RangeError(`sequence number ${this.sequenceNumber}`);
    const ext = this.extension;
    if (ext !== undefined && (ext.data.length % 4 !== 0 || ext.data.length > 4 * 0xffff)) {
      throw new RangeError(`extension data of ${ext.data.length} bytes is not a multiple of 4`);
    }
  }
}
