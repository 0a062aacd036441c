/**
 * AMF0 decoding (Adobe "Action Message Format -- AMF 0", 2006). One Amf0Decoder per message:
 * references (marker 0x07) index the complex values decoded earlier in the same message.
 */
import { ProtocolError } from '../../errors.ts';
import { AmfCursor } from './amf-cursor.ts';
import { Amf0Marker, asEcmaArray, withClassName } from './amf-value.ts';
import type { AmfObject, AmfValue } from './amf-value.ts';
import { Amf3Decoder } from './amf3-decoder.ts';

export class Amf0Decoder {
  readonly #cur: AmfCursor;
  /** Complex values in the order they began (AMF0 §2.9); bounded by the message size. */
  readonly #refs: AmfValue[] = [];
  /** AMF3 reference tables persist across avmplus-object switches within one message. */
  #amf3: Amf3Decoder | null = null;

  constructor(buf: Buffer, offset = 0) {
    this.#cur = new AmfCursor(buf, offset);
  }

  get offset(): number {
    return this.#cur.pos;
  }

  get done(): boolean {
    return this.#cur.remaining === 0;
  }

  /** Decodes the next value; throws ProtocolError on truncated or malformed input. */
  read(): AmfValue {
    const cur = this.#cur;
    const marker = cur.u8('type marker');
    switch (marker) {
      case Amf0Marker.Number:
        return cur.double('number');
      case Amf0Marker.Boolean:
        return cur.u8('boolean') !== 0;
      case Amf0Marker.String:
        return cur.utf8(cur.u16('string length'), 'string');
      case Amf0Marker.LongString:
      case Amf0Marker.XmlDocument:
        return cur.utf8(cur.u32('long string length'), 'long string');
      case Amf0Marker.Null:
        return null;
      case Amf0Marker.Undefined:
      case Amf0Marker.Unsupported:
        return undefined;
      case Amf0Marker.Object:
        return this.#readProperties({});
      case Amf0Marker.TypedObject: {
        const className = cur.utf8(cur.u16('class name length'), 'class name');
        return this.#readProperties(withClassName({}, className));
      }
      case Amf0Marker.EcmaArray:
        cur.u32('ECMA array count'); // advisory only: the entries end with an object-end marker
        return this.#readProperties(asEcmaArray({}));
      case Amf0Marker.StrictArray:
        return this.#readStrictArray();
      case Amf0Marker.Date: {
        const ms = cur.double('date');
        cur.u16('date time zone'); // reserved, should be 0
        return new Date(ms);
      }
      case Amf0Marker.Reference: {
        const index = cur.u16('reference');
        const target = this.#refs[index];
        if (index >= this.#refs.length) {
          throw new ProtocolError('RTMP_AMF_REFERENCE_INVALID', `AMF0 reference ${index} of ${this.#refs.length}`);
        }
        return target;
      }
      case Amf0Marker.AvmPlusObject:
        this.#amf3 ??= new Amf3Decoder(cur);
        return this.#amf3.read();
      case Amf0Marker.ObjectEnd:
      case Amf0Marker.MovieClip:
      case Amf0Marker.RecordSet:
      default:
        throw new ProtocolError('RTMP_AMF_MARKER_UNSUPPORTED', `AMF0 marker 0x${marker.toString(16)} at ${cur.pos - 1}`);
    }
  }

  /** Decodes every remaining value. */
  readAll(): AmfValue[] {
    const out: AmfValue[] = [];
    while (!this.done) out.push(this.read());
    return out;
  }

  #readProperties(obj: AmfObject): AmfObject {
    const cur = this.#cur;
    this.#refs.push(obj);
    cur.enter();
    for (;;) {
      const keyLength = cur.u16('property name length');
      if (keyLength === 0) {
        // Empty name + object-end marker closes the object. Some encoders (old librtmp-based
        // cameras) end an ECMA array without the 0x09 marker at the very end of the message.
        if (cur.remaining === 0) break;
        const end = cur.u8('object end');
        if (end !== Amf0Marker.ObjectEnd) {
          throw new ProtocolError('RTMP_AMF_MARKER_UNSUPPORTED', `expected AMF0 object end, got 0x${end.toString(16)}`);
        }
        break;
      }
      const key = cur.utf8(keyLength, 'property name');
      obj[key] = this.read();
    }
    cur.leave();
    return obj;
  }

  #readStrictArray(): AmfValue[] {
    const cur = this.#cur;
    const count = cur.u32('strict array count');
    // Every value takes at least one byte: a count beyond the remaining bytes is a lie.
    cur.need(count, 'strict array');
    const arr: AmfValue[] = [];
    this.#refs.push(arr);
    cur.enter();
    for (let i = 0; i < count; i++) arr.push(this.read());
    cur.leave();
    return arr;
  }
}

/** Decodes all AMF0 values of a message body (e.g. a command: name, transaction id, args...). */
export function decodeAmf0(buf: Buffer, offset = 0): AmfValue[] {
  return new Amf0Decoder(buf, offset).readAll();
}
