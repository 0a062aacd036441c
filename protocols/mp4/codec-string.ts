/**
 * RFC 6381 `codecs` parameter values for a track, as HLS's CODECS attribute and MSE's
 * `isTypeSupported` want them: avc1.PPCCLL, hvc1.P.C.TL.B, mp4a.40.AOT, mp4a.40.34 (MP3), opus.
 * Null for a codec no such string names (G.711).
 */
import type { Mp4Track } from './track.ts';

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

export function codecString(t: Mp4Track): string | null {
  if (t.kind === 'video') {
    if (t.codec === 'h264') {
      // avcC: version, profile, compatibility, level.
      return `avc1.${hex2(t.config[1] ?? 0)}${hex2(t.config[2] ?? 0)}${hex2(t.config[3] ?? 0)}`;
    }
    // hvcC byte 1: profile_space(2) tier(1) profile_idc(5); bytes 2-5 compatibility flags; byte 12 level.
    const b1 = t.config[1] ?? 0;
    const space = ['', 'A', 'B', 'C'][b1 >> 6]!;
    const compat = t.config.length >= 6 ? t.config.readUInt32BE(2) : 0;
    let reversed = 0;
    for (let i = 0; i < 32; i++) if (compat & (1 << i)) reversed |= 1 << (31 - i);
    const level = t.config[12] ?? 0;
    return `hvc1.${space}${b1 & 0x1f}.${(reversed >>> 0).toString(16).toUpperCase()}.${b1 & 0x20 ? 'H' : 'L'}${level}.B0`;
  }
  switch (t.codec) {
    case 'aac':
      return `mp4a.40.${t.config !== undefined && t.config.length > 0 ? t.config[0]! >> 3 : 2}`;
    case 'mp3':
      return 'mp4a.40.34';
    case 'opus':
      return 'opus';
    case 'pcma':
    case 'pcmu':
      return null;
  }
}
