/**
 * The JavaScript shape of decoded AMF values (AMF0 and the AMF3 values embedded in it).
 *
 * | AMF                          | JavaScript                                             |
 * | ---------------------------- | ------------------------------------------------------ |
 * | number, AMF3 integer/double  | number                                                 |
 * | boolean                      | boolean                                                |
 * | string, long string, XML     | string                                                 |
 * | null / undefined             | null / undefined                                       |
 * | object, typed object         | plain object (typed: class name under `AMF_CLASS_NAME`) |
 * | ECMA array                   | plain object marked with `AMF_ECMA_ARRAY`              |
 * | strict array, AMF3 dense     | array                                                  |
 * | date                         | Date                                                   |
 * | AMF3 ByteArray               | Buffer (not encodable back to AMF0)                    |
 */

export type AmfValue = number | boolean | string | null | undefined | Date | Buffer | AmfValue[] | AmfObject;

export interface AmfObject {
  [key: string]: AmfValue;
}

/** Non-enumerable marker on objects decoded from (or to be encoded as) an AMF0 ECMA array. */
export const AMF_ECMA_ARRAY: unique symbol = Symbol('amf.ecmaArray');
/** Non-enumerable class name of an AMF0 typed object / AMF3 traits with a class name. */
export const AMF_CLASS_NAME: unique symbol = Symbol('amf.className');

/** Marks `obj` so the AMF0 encoder writes it as an ECMA array (as onMetaData usually is). */
export function asEcmaArray<T extends AmfObject>(obj: T): T {
  Object.defineProperty(obj, AMF_ECMA_ARRAY, { value: true, enumerable: false });
  return obj;
}

export function isEcmaArray(obj: AmfObject): boolean {
  return (obj as { [AMF_ECMA_ARRAY]?: boolean })[AMF_ECMA_ARRAY] === true;
}

export function withClassName<T extends AmfObject>(obj: T, className: string): T {
  Object.defineProperty(obj, AMF_CLASS_NAME, { value: className, enumerable: false });
  return obj;
}

export function amfClassName(obj: AmfObject): string | undefined {
  return (obj as { [AMF_CLASS_NAME]?: string })[AMF_CLASS_NAME];
}

export function isAmfObject(v: AmfValue): v is AmfObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !Buffer.isBuffer(v);
}

/** Nesting limit for decoded objects/arrays: a hostile peer cannot blow the stack. */
export const MAX_AMF_DEPTH = 64;

/** AMF0 type markers (AMF0 spec §2.1). */
export const Amf0Marker = {
  Number: 0x00,
  Boolean: 0x01,
  String: 0x02,
  Object: 0x03,
  MovieClip: 0x04,
  Null: 0x05,
  Undefined: 0x06,
  Reference: 0x07,
  EcmaArray: 0x08,
  ObjectEnd: 0x09,
  StrictArray: 0x0a,
  Date: 0x0b,
  LongString: 0x0c,
  Unsupported: 0x0d,
  RecordSet: 0x0e,
  XmlDocument: 0x0f,
  TypedObject: 0x10,
  AvmPlusObject: 0x11,
} as const;

/** AMF3 type markers (AMF3 spec §3.1). */
export const Amf3Marker = {
  Undefined: 0x00,
  Null: 0x01,
  False: 0x02,
  True: 0x03,
  Integer: 0x04,
  Double: 0x05,
  String: 0x06,
  XmlDocument: 0x07,
  Date: 0x08,
  Array: 0x09,
  Object: 0x0a,
  Xml: 0x0b,
  ByteArray: 0x0c,
  VectorInt: 0x0d,
  VectorUint: 0x0e,
  VectorDouble: 0x0f,
  VectorObject: 0x10,
  Dictionary: 0x11,
} as const;
