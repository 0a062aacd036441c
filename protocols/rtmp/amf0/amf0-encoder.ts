/**
 * AMF0 encoding. Objects become AMF0 objects unless marked with `asEcmaArray` (ECMA array) or
 * `withClassName` (typed object); arrays become strict arrays; strings over 65535 UTF-8 bytes
 * become long strings. References are never written (every value is inlined).
 */
import { ProtocolError } from '../../errors.ts';
import { Amf0Marker, amfClassName, isEcmaArray, MAX_AMF_DEPTH } from './amf-value.ts';
import type { AmfObject, AmfValue } from './amf-value.ts';

/** A growable output buffer: commands are small, so one doubling buffer beats size-first passes. */
class Amf0Writer {
  buf = Buffer.allocUnsafe(256);
  pos = 0;

  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.reserve(2);
    this.pos = this.buf.writeUInt16BE(v, this.pos);
  }

  u32(v: number): void {
    this.reserve(4);
    this.pos = this.buf.writeUInt32BE(v, this.pos);
  }

  double(v: number): void {
    this.reserve(8);
    this.pos = this.buf.writeDoubleBE(v, this.pos);
  }

  /** UTF-8 bytes with a 16-bit (short) or 32-bit (long) length prefix. */
  utf8(s: string, long: boolean): void {
    const len = Buffer.byteLength(s, 'utf8');
    if (!long && len > 0xffff) throw unsupported('a property name over 65535 bytes');
    if (long) this.u32(len);
    else this.u16(len);
    this.reserve(len);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }
}

function unsupported(what: string): ProtocolError {
  return new ProtocolError('RTMP_AMF_ENCODE_UNSUPPORTED', `cannot encode ${what} as AMF0`);
}

function writeValue(w: Amf0Writer, v: AmfValue, depth: number): void {
  if (depth > MAX_AMF_DEPTH) throw unsupported(`a value nested deeper than ${MAX_AMF_DEPTH}`);
  if (v === null) return w.u8(Amf0Marker.Null);
  switch (typeof v) {
    case 'undefined':
      return w.u8(Amf0Marker.Undefined);
    case 'number':
      w.u8(Amf0Marker.Number);
      return w.double(v);
    case 'boolean':
      w.u8(Amf0Marker.Boolean);
      return w.u8(v ? 1 : 0);
    case 'string': {
      const long = Buffer.byteLength(v, 'utf8') > 0xffff;
      w.u8(long ? Amf0Marker.LongString : Amf0Marker.String);
      return w.utf8(v, long);
    }
    case 'object':
      break;
    default:
      throw unsupported(typeof v);
  }
  if (v instanceof Date) {
    w.u8(Amf0Marker.Date);
    w.double(v.getTime());
    return w.u16(0);
  }
  if (Buffer.isBuffer(v)) throw unsupported('a byte array');
  if (Array.isArray(v)) {
    w.u8(Amf0Marker.StrictArray);
    w.u32(v.length);
    for (const item of v) writeValue(w, item, depth + 1);
    return;
  }
  writeObject(w, v, depth);
}

function writeObject(w: Amf0Writer, obj: AmfObject, depth: number): void {
  const keys = Object.keys(obj);
  const className = amfClassName(obj);
  if (isEcmaArray(obj)) {
    w.u8(Amf0Marker.EcmaArray);
    w.u32(keys.length);
  } else if (className !== undefined) {
    w.u8(Amf0Marker.TypedObject);
    w.utf8(className, false);
  } else {
    w.u8(Amf0Marker.Object);
  }
  for (const key of keys) {
    if (key.length === 0) throw unsupported('an empty property name');
    w.utf8(key, false);
    writeValue(w, obj[key], depth + 1);
  }
  w.u16(0);
  w.u8(Amf0Marker.ObjectEnd);
}

/** Encodes values back to back (a command message body is name, transaction id, arguments...). */
export function encodeAmf0(...values: readonly AmfValue[]): Buffer {
  const w = new Amf0Writer();
  for (const v of values) writeValue(w, v, 0);
  return w.buf.subarray(0, w.pos);
}
