/**
 * Whether a hardware encoder profile can run here, checked before ffmpeg is started: the bundled
 * ffmpeg must list the encoder (`ffmpeg -encoders`) and the GPU render node must be usable. Without
 * the check a VAAPI profile on a machine without a GPU restarts ffmpeg forever with only
 * "Failed to initialise VAAPI connection" in its stderr; with it the camera's compression fails
 * once with an error that says what is missing and what to use instead.
 *
 * The rules are pure (`parseEncoderList`, `hardwareEncoderProblem`); `checkHardwareEncoder` does the
 * I/O (one short ffmpeg run, one access(2)).
 */
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { encoderName, isVaapi, VAAPI_DEVICE } from './ffmpeg-args.ts';
import type { CompressionCodec } from './messages.ts';

/** `ffmpeg -encoders` answers in well under a second; a hung one must not hold the camera forever. */
const ENCODER_LIST_TIMEOUT_MS = 10_000;

/**
 * Encoder names from `ffmpeg -hide_banner -encoders`: lines like ` V..... h264_vaapi  H.264/AVC
 * (VAAPI) (codec h264)` after the ` ------` separator.
 */
export function parseEncoderList(text: string): Set<string> {
  const out = new Set<string>();
  let listing = false;
  for (const line of text.split('\n')) {
    if (!listing) {
      if (/^\s*-{3,}\s*$/.test(line)) listing = true;
      continue;
    }
    const m = /^\s*[VAS][A-Z.]{5}\s+(\S+)/.exec(line);
    if (m !== null) out.add(m[1]!);
  }
  return out;
}

export interface HardwareFacts {
  /** Encoders the ffmpeg binary lists; null when the list could not be read. */
  readonly encoders: ReadonlySet<string> | null;
  /** The render node exists and this process may open it read/write. */
  readonly deviceAccessible: boolean;
  /** Why the device is not accessible (the access(2) error code), for the message. */
  readonly deviceError?: string;
}

/** Why `codec` cannot run here, or null when it can (software codecs always can). */
export function hardwareEncoderProblem(codec: CompressionCodec, facts: HardwareFacts, ffmpegPath = 'ffmpeg'): string | null {
  if (!isVaapi(codec)) return null;
  const encoder = encoderName(codec);
  const software = codec === 'h264_vaapi' ? 'h264' : 'h265';
  if (facts.encoders !== null && !facts.encoders.has(encoder)) {
    return `codec ${codec}: ${ffmpegPath} has no ${encoder} encoder (not in "ffmpeg -encoders"); use codec ${software} (software) or an ffmpeg built with VAAPI`;
  }
  if (!facts.deviceAccessible) {
    const why = facts.deviceError === 'ENOENT' ? 'does not exist (no GPU render node on this machine)'
      : facts.deviceError === 'EACCES' || facts.deviceError === 'EPERM' ? 'is not readable and writable by this user (add it to the render or video group)'
      : `is not usable${facts.deviceError !== undefined ? ` (${facts.deviceError})` : ''}`;
    return `codec ${codec}: VAAPI device ${VAAPI_DEVICE} ${why}; use codec ${software} (software), or give the node an Intel/AMD GPU (Docker: --device /dev/dri)`;
  }
  return null;
}

function listEncoders(ffmpegPath: string): Promise<Set<string> | null> {
  return new Promise((resolve) => {
    execFile(ffmpegPath, ['-hide_banner', '-encoders'], { timeout: ENCODER_LIST_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 }, (err, stdout) => {
      // An ffmpeg that cannot list its encoders: let the real run report the problem.
      resolve(err === null ? parseEncoderList(stdout) : null);
    });
  });
}

/** Checks a profile codec against this machine and ffmpeg binary; null when it can run. */
export async function checkHardwareEncoder(ffmpegPath: string, codec: CompressionCodec): Promise<string | null> {
  if (!isVaapi(codec)) return null;
  const encoders = await listEncoders(ffmpegPath);
  let deviceAccessible = true;
  let deviceError: string | undefined;
  try {
    await access(VAAPI_DEVICE, constants.R_OK | constants.W_OK);
  } catch (err) {
    deviceAccessible = false;
    deviceError = (err as NodeJS.ErrnoException).code;
  }
  return hardwareEncoderProblem(codec, { encoders, deviceAccessible, ...(deviceError !== undefined ? { deviceError } : {}) }, ffmpegPath);
}
