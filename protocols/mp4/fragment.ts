/**
 * One fMP4 media fragment (`moof` + `mdat`, ISO/IEC 14496-12 §8.8): per track a `traf` with
 * `tfhd` (default-base-is-moof), `tfdt` (64-bit base decode time) and a version-1 `trun` with each
 * sample's duration, size, flags and signed composition offset. The samples' payloads are written
 * once, straight into the fragment's one buffer.
 */
import { box, encodeBoxes, fullBox, u32, u64, type Box } from './box.ts';

export interface Mp4Sample {
  /** In the track's timescale. */
  readonly duration: number;
  /** pts - dts in the track's timescale (may be negative). */
  readonly compositionOffset: number;
  /** A sync sample (video keyframe; every audio sample). */
  readonly sync: boolean;
  readonly data: Buffer;
}

export interface Mp4TrackRun {
  readonly trackId: number;
  /** Decode time of the first sample, in the track's timescale. */
  readonly baseDecodeTime: number;
  readonly samples: readonly Mp4Sample[];
}

/** sample_depends_on = 2 (an I picture) / = 1 with sample_is_non_sync_sample. */
export const SYNC_SAMPLE_FLAGS = 0x02000000;
export const NON_SYNC_SAMPLE_FLAGS = 0x01010000;

const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
/** data-offset, sample-duration, sample-size, sample-flags, sample-composition-time-offset present. */
const TRUN_FLAGS = 0x000001 | 0x000100 | 0x000200 | 0x000400 | 0x000800;

export function buildFragment(sequenceNumber: number, runs: readonly Mp4TrackRun[]): Buffer {
  const dataOffsets: Buffer[] = [];
  const trafs: Box[] = runs.map((r) => {
    const offset = u32(0);
    dataOffsets.push(offset);
    const table = Buffer.allocUnsafe(r.samples.length * 16);
    r.samples.forEach((s, i) => {
      table.writeUInt32BE(Math.max(0, Math.round(s.duration)), i * 16);
      table.writeUInt32BE(s.data.length, i * 16 + 4);
      table.writeUInt32BE(s.sync ? SYNC_SAMPLE_FLAGS : NON_SYNC_SAMPLE_FLAGS, i * 16 + 8);
      table.writeInt32BE(Math.round(s.compositionOffset), i * 16 + 12);
    });
    return box('traf', [
      fullBox('tfhd', 0, TFHD_DEFAULT_BASE_IS_MOOF, [u32(r.trackId)]),
      fullBox('tfdt', 1, 0, [u64(r.baseDecodeTime)]),
      fullBox('trun', 1, TRUN_FLAGS, [u32(r.samples.length), offset, table]),
    ]);
  });
  const moof = box('moof', [fullBox('mfhd', 0, 0, [u32(sequenceNumber)]), ...trafs]);
  // Each track's samples follow the previous track's in the mdat; offsets count from the moof's start.
  let at = moof.size + 8;
  runs.forEach((r, i) => {
    dataOffsets[i]!.writeUInt32BE(at, 0);
    for (const s of r.samples) at += s.data.length;
  });
  const mdat = box('mdat', runs.flatMap((r) => r.samples.map((s) => s.data)));
  return encodeBoxes([moof, mdat]);
}
