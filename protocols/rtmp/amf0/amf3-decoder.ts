/**
 * AMF3 decoding (Adobe "AMF 3 Specification", 2013) for values embedded in AMF0 through the
 * avmplus-object marker, as Flex clients send in AMF3 command/data messages (types 17 and 15).
 * Externalizable objects and dictionaries are refused: nothing in RTMP commands uses them.
 */
import { ProtocolError } from '../../errors.ts';
import type { AmfCursor } from './amf-cursor.ts';
import { Amf3Marker, withClassName } from './amf-value.ts';
import type { AmfObject, AmfValue } from './amf-value.ts';

interface Traits {
  readonly className: string;
  readonly dynamic: boolean;
  readonly sealed: readonly string[];
}

/** The largest U29 value. */
const U29_MAX = 0x1fffffff;

export class Amf3Decoder {
  readonly #cur: AmfCursor;
  readonly #strings: string[] = [];
  readonly #objects: AmfValue[] = [];
  readonly #traits: Traits[] = [];

  constructor(cursor: AmfCursor) {
    this.#cur = cursor;
  }

  read(): AmfValue {
    const cur = this.#cur;
    const marker = cur.u8('AMF3 marker');
    switch (marker) {
      case Amf3Marker.Undefined:
        return undefined;
      case Amf3Marker.Null:
        return null;
      case Amf3Marker.False:
        return false;
      case Amf3Marker.True:
        return true;
      case Amf3Marker.Integer: {
        const u = this.#u29();
        return u & 0x10000000 ? u - 0x20000000 : u; // sign-extend 29 bits
      }
      case Amf3Marker.Double:
        return cur.double('AMF3 double');
      case Amf3Marker.String:
        return this.#string();
      case Amf3Marker.XmlDocument:
      case Amf3Marker.Xml:
        return this.#byRef((len) => cur.utf8(len, 'AMF3 XML'));
      case Amf3Marker.Date:
        return this.#byRef(() => new Date(cur.double('AMF3 date')));
      case Amf3Marker.ByteArray:
        return this.#byRef((len) => cur.bytes(len, 'AMF3 ByteArray'));
      case Amf3Marker.Array:
        return this.#array();
      case Amf3Marker.Object:
        return this.#object();
      case Amf3Marker.VectorInt:
      case Amf3Marker.VectorUint:
      case Amf3Marker.VectorDouble:
        return this.#numberVector(marker);
      case Amf3Marker.VectorObject:
        return this.#objectVector();
      default:
        throw new ProtocolError('RTMP_AMF_MARKER_UNSUPPORTED', `AMF3 marker 0x${marker.toString(16)}`);
    }
  }

  /** U29: 1-4 bytes, 7 bits each with a continuation bit, the 4th byte contributes 8 bits. */
  #u29(): number {
    let v = 0;
    for (let i = 0; i < 3; i++) {
      const b = this.#cur.u8('AMF3 U29');
      v = (v << 7) | (b & 0x7f);
      if ((b & 0x80) === 0) return v;
    }
    return ((v << 8) | this.#cur.u8('AMF3 U29')) & U29_MAX;
  }

  #ref<T>(table: readonly T[], index: number, what: string): T {
    if (index >= table.length) {
      throw new ProtocolError('RTMP_AMF_REFERENCE_INVALID', `AMF3 ${what} reference ${index} of ${table.length}`);
    }
    return table[index]!;
  }

  #string(): string {
    const header = this.#u29();
    if ((header & 1) === 0) return this.#ref(this.#strings, header >> 1, 'string');
    const s = this.#cur.utf8(header >> 1, 'AMF3 string');
    if (s.length > 0) this.#strings.push(s); // the empty string is never referenced (§1.3.2)
    return s;
  }

  /** Values whose header is an object reference or an inline length/flag. */
  #byRef(readInline: (len: number) => AmfValue): AmfValue {
    const header = this.#u29();
    if ((header & 1) === 0) return this.#ref(this.#objects, header >> 1, 'object');
    const v = readInline(header >> 1);
    this.#objects.push(v);
    return v;
  }

  #array(): AmfValue {
    const header = this.#u29();
    if ((header & 1) === 0) return this.#ref(this.#objects, header >> 1, 'object');
    const denseCount = header >> 1;
    const cur = this.#cur;
    cur.enter();
    let assoc: AmfObject | null = null;
    for (let key = this.#string(); key !== ''; key = this.#string()) {
      assoc ??= {};
      assoc[key] = this.read();
    }
    cur.need(denseCount, 'AMF3 array');
    const dense: AmfValue[] = [];
    const result: AmfValue = assoc ?? dense;
    this.#objects.push(result);
    for (let i = 0; i < denseCount; i++) {
      const v = this.read();
      if (assoc !== null) assoc[String(i)] = v;
      else dense.push(v);
    }
    cur.leave();
    return result;
  }

  #object(): AmfValue {
    const header = this.#u29();
    if ((header & 1) === 0) return this.#ref(this.#objects, header >> 1, 'object');
    let traits: Traits;
    if ((header & 2) === 0) {
      traits = this.#ref(this.#traits, header >> 2, 'traits');
    } else if ((header & 4) !== 0) {
      throw new ProtocolError('RTMP_AMF_MARKER_UNSUPPORTED', 'AMF3 externalizable object');
    } else {
      const sealedCount = header >> 4;
      this.#cur.need(sealedCount, 'AMF3 traits');
      const className = this.#string();
      const sealed: string[] = [];
      for (let i = 0; i < sealedCount; i++) sealed.push(this.#string());
      traits = { className, dynamic: (header & 8) !== 0, sealed };
      this.#traits.push(traits);
    }
    const obj: AmfObject = traits.className === '' ? {} : withClassName({}, traits.className);
    this.#objects.push(obj);
    this.#cur.enter();
    for (const name of traits.sealed) obj[name] = this.read();
    if (traits.dynamic) {
      for (let key = this.#string(); key !== ''; key = this.#string()) obj[key] = this.read();
    }
    this.#cur.leave();
    return obj;
  }

  #numberVector(marker: number): AmfValue {
    const header = this.#u29();
    if ((header & 1) === 0) return this.#ref(this.#objects, header >> 1, 'object');
    const count = header >> 1;
    const cur = this.#cur;
    cur.u8('vector fixed flag');
    const size = marker === Amf3Marker.VectorDouble ? 8 : 4;
    cur.need(count * size, 'AMF3 vector');
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      if (marker === Amf3Marker.VectorInt) out.push(cur.buf.readInt32BE(cur.pos));
      else if (marker === Amf3Marker.VectorUint) out.push(cur.buf.readUInt32BE(cur.pos));
      else out.push(cur.buf.readDoubleBE(cur.pos));
      cur.pos += size;
    }
    this.#objects.push(out);
    return out;
  }

  #objectVector(): AmfValue {
    const header = this.#u29();
    if ((header & 1) === 0) return this.#ref(this.#objects, header >> 1, 'object');
    const count = header >> 1;
    const cur = this.#cur;
    cur.u8('vector fixed flag');
    this.#string(); // element type name
    cur.need(count, 'AMF3 object vector');
    const out: AmfValue[] = [];
    this.#objects.push(out);
    cur.enter();
    for (let i = 0; i < count; i++) out.push(this.read());
    cur.leave();
    return out;
  }
}
