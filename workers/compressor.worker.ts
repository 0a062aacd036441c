/**
 * worker_threads entry of one camera's compressor. The main thread starts it with
 * `startWorker(COMPRESSOR_WORKER_ENTRY)` (src/compression/start-worker.ts; the built `.js` of this file
 * when running from dist/, this `.ts` under tsx),
 * sends one 'start' message, later 'stop'; the worker exits once ffmpeg is gone.
 */
import { parentPort } from 'node:worker_threads';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { CameraCompressor } from './camera-compressor.ts';
import type { MainToWorkerMessage } from './messages.ts';

const port = parentPort;
if (port === null) throw new Error('compressor.worker.ts must run in a worker thread');

const compressor = new CameraCompressor((message, transfer) => port.postMessage(message, transfer ?? []), ffmpegInstaller.path);

port.on('message', (message: MainToWorkerMessage) => {
  compressor.handle(message).then(
    () => {
      // After 'stop' nothing is left to do: closing the port lets the thread exit.
      if (message.type === 'stop') port.close();
    },
    (err: unknown) => port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
  );
});
