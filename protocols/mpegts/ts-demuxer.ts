/**
 * Incremental MPEG-TS demuxer (ISO/IEC 13818-1 §2.4) for the compressor's HEVC pipe (ffmpeg 4.1's
 * FLV muxer cannot carry HEVC). Reads PAT and PMT, reassembles the PES packets of the first video
 * and audio elementary streams, hands them out with PTS/DTS (90 kHz).
 *
 * Pure like protocols/ (Buffers in, callbacks out); kept in workers/ because only the compressor
 * reads MPEG-TS. A PES whose length field is 0 (video > 64 KiB) ends at the next payload start on
 * its PID, or earlier at a packet padded with adaptation-field stuffing: ffmpeg's muxer pads only
 * the last packet of a PES, which saves one frame of latency.
 */
import { ByteQueue } from '../bytes/byte-queue.ts';
import { ProtocolError } from '../errors.ts';

export const TS_PACKET_SIZE = 188;
const SYNC_BYTE = 0x47;
const PAT_PID = 0x0000;
const NULL_PID = 0x1fff;
/** Largest PES reassembled; a larger one is a corrupt stream. */
export const MAX_PES_BYTES = 8 * 1024 * 1024;
/** Elementary streams followed per program. */
export const MAX_ELEMENTARY_STREAMS = 8;

/** stream_type values (ISO/IEC 13818-1 Table 2-34 and its amendments). */
export const StreamType = {
  AacAdts: 0x0f,
  H264: 0x1b,
  H265: 0x24,
} as const;

export interface PesPacket {
  readonly pid: number;
  readonly streamType: number;
  /** 33-bit presentation timestamp (90 kHz), when present. */
  readonly pts?: number;
  /** 33-bit decode timestamp (90 kHz), when present. */
  readonly dts?: number;
  readonly data: Buffer;
}

interface PesAssembly {
  streamType: number;
  pieces: Buffer[];
  size: number;
  started: boolean;
}

export class TsDemuxer {
  readonly #queue = new ByteQueue();
  readonly #onPes: (pes: PesPacket) => void;
  readonly #onProgram: ((streamTypes: readonly number[]) => void) | undefined;
  #pmtPid = -1;
  readonly #streams = new Map<number, PesAssembly>();
  #programKey = '';

  /**
   * `onProgram` receives the stream_type of every elementary stream of the program when the PMT
   * lists a new set (ffmpeg writes PAT and PMT before the first PES), so a consumer knows which
   * tracks to wait for before describing the stream.
   */
  constructor(onPes: (pes: PesPacket) => void, onProgram?: (streamTypes: readonly number[]) => void) {
    this.#onPes = onPes;
    this.#onProgram = onProgram;
  }

  /** Feeds bytes; emits every complete PES. Throws a ProtocolError (MPEGTS_* code) on lost sync, a malformed packet or PES, or an oversized PES. */
  push(chunk: Buffer): void {
    this.#queue.push(chunk);
    while (this.#queue.length >= TS_PACKET_SIZE) this.#packet(this.#queue.consume(TS_PACKET_SIZE));
  }

  /** Emits the PES packets still being assembled (end of stream). */
  flush(): void {
    for (const [pid, a] of this.#streams) this.#emit(pid, a);
  }

  #packet(p: Buffer): void {
    if (p[0] !== SYNC_BYTE) throw new ProtocolError('MPEGTS_SYNC_LOST', `TS packet starts with 0x${p[0]!.toString(16)}, not 0x47`);
    const pusi = (p[1]! & 0x40) !== 0;
    const pid = ((p[1]! & 0x1f) << 8) | p[2]!;
    const afc = (p[3]! >> 4) & 0x03;
    if (pid === NULL_PID || (afc & 0x01) === 0) return; // null packet, or adaptation field only
    let off = 4;
    let stuffed = false;
    if (afc === 0x03) {
      const afLength = p[4]!;
      if (afLength > TS_PACKET_SIZE - 5) throw new ProtocolError('MPEGTS_PACKET_INVALID', `adaptation field of ${afLength} bytes`);
      stuffed = afLength === 0 || afLength > usedAdaptationBytes(p, afLength);
      off = 5 + afLength;
    }
    const payload = p.subarray(off);
    if (pid === PAT_PID) {
      if (pusi) this.#pat(section(payload));
    } else if (pid === this.#pmtPid) {
      if (pusi) this.#pmt(section(payload));
    } else {
      const a = this.#streams.get(pid);
      if (a !== undefined) this.#pesPayload(pid, a, pusi, payload, stuffed);
    }
  }

  #pat(s: Buffer | null): void {
    if (s === null || s[0] !== 0x00) return;
    const end = Math.min(s.length, 3 + (((s[1]! & 0x0f) << 8) | s[2]!)) - 4; // minus CRC_32
    for (let i = 8; i + 4 <= end; i += 4) {
      const program = s.readUInt16BE(i);
      if (program !== 0) {
        this.#pmtPid = s.readUInt16BE(i + 2) & 0x1fff;
        return;
      }
    }
  }

  #pmt(s: Buffer | null): void {
    if (s === null || s[0] !== 0x02 || s.length < 12) return;
    const end = Math.min(s.length, 3 + (((s[1]! & 0x0f) << 8) | s[2]!)) - 4;
    const programInfoLength = s.readUInt16BE(10) & 0x0fff;
    const seen = new Set<number>();
    for (let i = 12 + programInfoLength; i + 5 <= end; ) {
      const streamType = s[i]!;
      const pid = s.readUInt16BE(i + 1) & 0x1fff;
      const esInfoLength = s.readUInt16BE(i + 3) & 0x0fff;
      i += 5 + esInfoLength;
      if (seen.size >= MAX_ELEMENTARY_STREAMS) break;
      seen.add(pid);
      const known = this.#streams.get(pid);
      if (known === undefined || known.streamType !== streamType) {
        this.#streams.set(pid, { streamType, pieces: [], size: 0, started: false });
      }
    }
    for (const pid of [...this.#streams.keys()]) if (!seen.has(pid)) this.#streams.delete(pid);
    const types = [...this.#streams.values()].map((a) => a.streamType);
    const key = types.join(',');
    if (key !== this.#programKey) {
      this.#programKey = key;
      this.#onProgram?.(types);
    }
  }

  #pesPayload(pid: number, a: PesAssembly, pusi: boolean, payload: Buffer, stuffed: boolean): void {
    if (pusi) {
      this.#emit(pid, a);
      a.started = true;
    }
    if (!a.started) return; // joined mid-PES
    if (a.size + payload.length > MAX_PES_BYTES) {
      throw new ProtocolError('MPEGTS_PES_TOO_LARGE', `PES on PID ${pid} exceeds ${MAX_PES_BYTES} bytes`);
    }
    a.pieces.push(payload);
    a.size += payload.length;
    const declared = a.size >= 6 ? pesPacketLength(a) : -1;
    if ((declared > 0 && a.size >= declared + 6) || (declared === 0 && stuffed)) this.#emit(pid, a);
  }

  #emit(pid: number, a: PesAssembly): void {
    if (a.size === 0) return;
    const pes = a.pieces.length === 1 ? a.pieces[0]! : Buffer.concat(a.pieces, a.size);
    a.pieces = [];
    a.size = 0;
    a.started = false;
    const parsed = parsePes(pes);
    if (parsed !== null) this.#onPes({ pid, streamType: a.streamType, ...parsed });
  }
}

/** Bytes used by the adaptation field's flags and optional fields (§2.4.3.4); the rest is stuffing. */
function usedAdaptationBytes(p: Buffer, afLength: number): number {
  const flags = p[5]!;
  let used = 1;
  if (flags & 0x10) used += 6; // PCR
  if (flags & 0x08) used += 6; // OPCR
  if (flags & 0x04) used += 1; // splice_countdown
  if (flags & 0x02 && 5 + used < p.length) used += 1 + p[5 + used]!; // transport_private_data
  if (flags & 0x01 && 5 + used < p.length) used += 1 + p[5 + used]!; // adaptation_field_extension
  return Math.min(used, afLength);
}

/** The section after pointer_field, or null when it does not fit this packet (ffmpeg's never span). */
function section(payload: Buffer): Buffer | null {
  if (payload.length < 1) return null;
  const start = 1 + payload[0]!;
  if (start + 3 > payload.length) return null;
  return payload.subarray(start);
}

function pesPacketLength(a: PesAssembly): number {
  const first = a.pieces[0]!;
  if (first.length >= 6) return first.readUInt16BE(4);
  return Buffer.concat(a.pieces, 6).readUInt16BE(4);
}

/** Reads a 33-bit timestamp (§2.4.3.7): 3 + 15 + 15 bits around marker bits. */
function readTimestamp(b: Buffer, o: number): number {
  return ((b[o]! >> 1) & 0x07) * 2 ** 30 + (b.readUInt16BE(o + 1) >> 1) * 2 ** 15 + (b.readUInt16BE(o + 3) >> 1);
}

function parsePes(pes: Buffer): { pts?: number; dts?: number; data: Buffer } | null {
  if (pes.length < 9 || pes[0] !== 0 || pes[1] !== 0 || pes[2] !== 1) {
    throw new ProtocolError('MPEGTS_PES_INVALID', 'PES packet_start_code_prefix missing');
  }
  const declared = pes.readUInt16BE(4);
  const headerLength = pes[8]!;
  const dataStart = 9 + headerLength;
  if (dataStart > pes.length) throw new ProtocolError('MPEGTS_PES_INVALID', 'PES header longer than the packet');
  const end = declared > 0 ? Math.min(pes.length, 6 + declared) : pes.length;
  const ptsDts = pes[7]! >> 6;
  const out: { pts?: number; dts?: number; data: Buffer } = { data: pes.subarray(dataStart, end) };
  if (ptsDts >= 2 && headerLength >= 5) out.pts = readTimestamp(pes, 9);
  if (ptsDts === 3 && headerLength >= 10) out.dts = readTimestamp(pes, 14);
  return out;
}
