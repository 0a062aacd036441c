/** A tiny ISO BMFF reader for the tests: boxes as a tree, checking every size adds up. */
export interface ParsedBox {
  readonly type: string;
  readonly start: number;
  readonly size: number;
  /** The box's bytes after its 8-byte header. */
  readonly body: Buffer;
  readonly children: ParsedBox[];
}

/** Boxes whose body is (after a fixed prefix) more boxes. */
const CONTAINERS: Readonly<Record<string, number>> = {
  moov: 0, trak: 0, mdia: 0, minf: 0, dinf: 0, stbl: 0, mvex: 0, moof: 0, traf: 0,
  stsd: 8, dref: 8,
  avc1: 78, hvc1: 78, mp4a: 28, Opus: 28,
};

export function parseBoxes(buf: Buffer, start = 0, end = buf.length): ParsedBox[] {
  const out: ParsedBox[] = [];
  let off = start;
  while (off < end) {
    if (off + 8 > end) throw new Error(`truncated box header at ${off}`);
    const size = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    if (size < 8 || off + size > end) throw new Error(`box ${type} at ${off}: size ${size} overruns ${end}`);
    const body = buf.subarray(off + 8, off + size);
    const prefix = CONTAINERS[type];
    const children = prefix === undefined ? [] : parseBoxes(buf, off + 8 + prefix, off + size);
    out.push({ type, start: off, size, body, children });
    off += size;
  }
  return out;
}

/** The first box of this path of types under `boxes` (`moov/trak/mdia`). */
export function find(boxes: readonly ParsedBox[], path: string): ParsedBox | undefined {
  const [head, ...rest] = path.split('/');
  const b = boxes.find((x) => x.type === head);
  if (b === undefined || rest.length === 0) return b;
  return find(b.children, rest.join('/'));
}

export function findAll(boxes: readonly ParsedBox[], type: string): ParsedBox[] {
  return boxes.filter((b) => b.type === type);
}
