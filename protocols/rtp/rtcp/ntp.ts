/** NTP timestamps as RTCP carries them (RFC 3550 §4): seconds since 1900 and a 32-bit fraction. */

/** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (Unix epoch). */
export const NTP_UNIX_OFFSET_SECONDS = 2_208_988_800;
const FRACTION_SCALE = 2 ** 32;

export interface NtpTimestamp {
  /** Seconds since 1900, modulo 2^32. */
  readonly seconds: number;
  /** Fraction of a second in units of 2^-32 s. */
  readonly fraction: number;
}

export function ntpFromUnixMs(unixMs: number): NtpTimestamp {
  const totalSeconds = unixMs / 1000 + NTP_UNIX_OFFSET_SECONDS;
  const whole = Math.floor(totalSeconds);
  let fraction = Math.round((totalSeconds - whole) * FRACTION_SCALE);
  let seconds = whole;
  if (fraction >= FRACTION_SCALE) {
    fraction -= FRACTION_SCALE;
    seconds += 1;
  }
  return { seconds: seconds >>> 0, fraction: fraction >>> 0 };
}

/** Unix ms for an NTP timestamp of era 0 (until 2036). */
export function unixMsFromNtp(ntp: NtpTimestamp): number {
  return (ntp.seconds - NTP_UNIX_OFFSET_SECONDS + ntp.fraction / FRACTION_SCALE) * 1000;
}

/** The middle 32 bits (16.16 fixed point), as LSR in reception reports uses it (RFC 3550 §6.4.1). */
export function compactNtp(ntp: NtpTimestamp): number {
  return (((ntp.seconds & 0xffff) << 16) | (ntp.fraction >>> 16)) >>> 0;
}
