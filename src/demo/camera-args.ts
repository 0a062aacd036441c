/**
 * ffmpeg arguments of one simulated demo camera (pure). Each camera gets a visibly different moving
 * picture built only from lavfi sources and filters that need no fonts (drawtext may lack them), a
 * sine tone of its own pitch, and publishes H.264 + AAC over RTMP in real time.
 */

export interface DemoCameraArgsOptions {
  /** Picture size. Defaults to 640x360: five cameras plus their compression fit on two cores. */
  readonly width?: number;
  readonly height?: number;
  /** Defaults to 15 frames per second. */
  readonly fps?: number;
  /** Keyframe interval in seconds. Defaults to 2. */
  readonly gopSeconds?: number;
  /** Video bitrate. Defaults to 1200 kbit/s (so the compressed feed is visibly smaller). */
  readonly videoKbps?: number;
}

/** The five looks; camera i uses look i % 5, with an extra hue turn for every further round. */
const LOOKS: readonly ((size: string, fps: number) => string)[] = [
  (s, r) => `testsrc2=size=${s}:rate=${r}`,
  (s, r) => `testsrc=size=${s}:rate=${r},hue=h=60`,
  (s, r) => `smptehdbars=size=${s}:rate=${r},rotate=a=PI*t/10:fillcolor=black`,
  (s, r) => `testsrc=size=${s}:rate=${r},negate,rotate=a=-PI*t/15:fillcolor=navy`,
  (s, r) => `testsrc2=size=${s}:rate=${r},hue=h=120:s=1.5,hflip`,
];

export const DEMO_LOOK_COUNT = LOOKS.length;

/** The lavfi video graph of camera `index` (0-based). */
export function demoVideoSource(index: number, width: number, height: number, fps: number): string {
  const look = LOOKS[index % LOOKS.length]!;
  const round = Math.floor(index / LOOKS.length);
  const base = look(`${width}x${height}`, fps);
  // Later rounds turn the hue by a prime step so no two of the first few dozen cameras look alike.
  return round === 0 ? base : `${base},hue=h=${(round * 67) % 360}`;
}

/** The lavfi audio source of camera `index`: a tone between 220 and 880 Hz. */
export function demoAudioSource(index: number): string {
  const frequency = 220 + ((index * 110) % 660);
  return `sine=frequency=${frequency}:sample_rate=44100`;
}

/** Full ffmpeg argument list (without the binary) publishing camera `index` to `rtmpUrl`. */
export function demoCameraArgs(rtmpUrl: string, index: number, o: DemoCameraArgsOptions = {}): string[] {
  const width = o.width ?? 640;
  const height = o.height ?? 360;
  const fps = o.fps ?? 15;
  const gop = Math.max(1, Math.round(fps * (o.gopSeconds ?? 2)));
  const kbps = o.videoKbps ?? 1200;
  return [
    '-hide_banner', '-nostats', '-loglevel', 'warning',
    '-re', '-f', 'lavfi', '-i', demoVideoSource(index, width, height, fps),
    '-re', '-f', 'lavfi', '-i', demoAudioSource(index),
    '-map', '0:v:0', '-map', '1:a:0',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
    '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps * 2}k`,
    '-c:a', 'aac', '-b:a', '64k', '-ar', '44100', '-ac', '1',
    '-f', 'flv', rtmpUrl,
  ];
}

/**
 * Delay before restarting a camera ffmpeg that died: 1 s doubling to 10 s; a run that lasted
 * `stableMs` (30 s) counts as healthy and resets the attempt count (the caller tracks that).
 */
export function cameraRestartDelayMs(attempt: number): number {
  return Math.min(10_000, 1000 * 2 ** Math.max(0, Math.min(attempt, 10)));
}

export const CAMERA_STABLE_MS = 30_000;
