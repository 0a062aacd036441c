/**
 * One RTP payload format as SDP describes it (rtpmap + fmtp). The RTSP SDP code parses and prints
 * it; protocols/rtp/format.ts maps it to and from StreamDescription tracks and builds
 * packetizers/depacketizers from it.
 */
export interface RtpCodecParams {
  readonly payloadType: number;
  /** rtpmap encoding name (`H264`, `H265`, `MPEG4-GENERIC`, `PCMU`...); compared case-insensitively. */
  readonly encodingName: string;
  readonly clockRate: number;
  readonly channels?: number;
  /** fmtp parameters. Names are looked up case-insensitively (vendors write `SizeLength` or `sizelength`). */
  readonly fmtp: Readonly<Record<string, string>>;
}

/** An fmtp parameter by case-insensitive name, trimmed; undefined when absent. */
export function fmtpValue(params: RtpCodecParams, name: string): string | undefined {
  const direct = params.fmtp[name];
  if (direct !== undefined) return direct.trim();
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(params.fmtp)) if (k.toLowerCase() === lower) return v.trim();
  return undefined;
}

/** An integer fmtp parameter; `fallback` when absent, NaN when present but not a decimal integer. */
export function fmtpInteger(params: RtpCodecParams, name: string, fallback: number): number {
  const v = fmtpValue(params, name);
  if (v === undefined || v === '') return fallback;
  return /^\d{1,9}$/.test(v) ? Number(v) : Number.NaN;
}

export function isEncoding(params: RtpCodecParams, name: string): boolean {
  return params.encodingName.toUpperCase() === name.toUpperCase();
}
