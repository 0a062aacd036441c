/**
 * `node --import tsx test/helpers/frame-meter-cli.ts <url> [reconnect|once]`: the frame meter of
 * frame-meter.ts as a process (run inside a network namespace). One JSON line per MeterEvent on
 * stdout: `{"at":ms,"dts":ms}` per video frame, `{"at":ms,"session":true}` when a session starts,
 * `{"at":ms,"close":"reason"}` when one ends. The test stops it with SIGKILL.
 */
import { FrameLog, meter } from './frame-meter.ts';

const [url, mode] = process.argv.slice(2);
if (url === undefined) {
  process.stderr.write('usage: frame-meter-cli.ts <url> [reconnect|once]\n');
  process.exit(2);
}
const log = new FrameLog();
log.onEvent = (e) => process.stdout.write(`${JSON.stringify(e)}\n`);
const m = meter(url, { reconnect: mode === 'reconnect' }, log);
process.on('SIGTERM', () => void m.stop().then(() => process.exit(0)));
