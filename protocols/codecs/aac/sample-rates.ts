/** MPEG-4 samplingFrequencyIndex table (ISO/IEC 14496-3 §1.6.3.4, Table 1.18). */
export const AAC_SAMPLE_RATES: readonly number[] = [
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

/** samplingFrequencyIndex value meaning "an explicit 24-bit rate follows". */
export const EXPLICIT_SAMPLE_RATE_INDEX = 0xf;

/** Index of a sample rate in the table, or -1 when it must be written explicitly. */
export function sampleRateIndexOf(sampleRate: number): number {
  return AAC_SAMPLE_RATES.indexOf(sampleRate);
}

/** channelConfiguration -> channel count (Table 1.19); 0 means "defined in a PCE" (unknown here). */
export function channelsOfConfiguration(channelConfig: number): number {
  if (channelConfig >= 1 && channelConfig <= 6) return channelConfig;
  if (channelConfig === 7) return 8;
  return 0;
}
