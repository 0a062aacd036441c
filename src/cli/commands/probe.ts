/**
 * `cupola probe URL`: prints the tracks, codecs, resolution, frame rate, bitrate and keyframe
 * interval of any rtmp:// or rtsp:// stream, measured over a few seconds, and exits (1 on failure,
 * with the reason on stderr). Uses Cupola's own RTMP and RTSP clients, so it also diagnoses them.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { formatProbeReport } from './probe-format.ts';
import { probeStream } from './probe-session.ts';

export interface ProbeIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly setExitCode: (code: number) => void;
}

const processIo: ProbeIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  setExitCode: (c) => {
    process.exitCode = c;
  },
};

function positiveNumber(name: string, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || n > max) throw new InvalidArgumentError(`${name} must be a number in (0, ${max}]`);
    return n;
  };
}

export function registerProbeCommand(program: Command, io: ProbeIo = processIo): void {
  program
    .command('probe')
    .description('print the tracks, codecs, resolution, fps and bitrate of an rtmp:// or rtsp:// stream')
    .argument('<url>', 'rtmp://host[:port]/app/stream or rtsp://[user:pass@]host[:port]/path')
    .option('--seconds <s>', 'stream time to measure', positiveNumber('--seconds', 600), 3)
    .option('--timeout <ms>', 'connect / first-frame timeout in ms', positiveNumber('--timeout', 600_000), 10_000)
    .option('--transport <t>', 'RTSP transport: tcp or udp', 'tcp')
    .option('--json', 'print JSON')
    .action(async (url: string, opts: { seconds: number; timeout: number; transport: string; json?: boolean }) => {
      if (opts.transport !== 'tcp' && opts.transport !== 'udp') {
        io.err(`cupola probe: --transport must be tcp or udp\n`);
        io.setExitCode(2);
        return;
      }
      try {
        const report = await probeStream(url, { seconds: opts.seconds, timeoutMs: opts.timeout, transport: opts.transport });
        io.out(opts.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatProbeReport(report));
      } catch (err) {
        io.err(`cupola probe: ${(err as Error).message}\n`);
        io.setExitCode(1);
      }
    });
}
