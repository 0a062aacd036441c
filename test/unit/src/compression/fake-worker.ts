/** A scripted stand-in for the compressor worker thread (messages in, messages out, exit). */
import { EventEmitter } from 'node:events';
import type { CompressorWorker } from '../../../../src/compression/camera-worker.ts';
import type { MainToWorkerMessage, WorkerToMainMessage } from '../../../../workers/messages.ts';

export class FakeWorker extends EventEmitter implements CompressorWorker {
  readonly received: MainToWorkerMessage[] = [];
  terminated = false;
  exited = false;
  /** Answer 'stop' with 'stopped' and an exit (as the real worker does). */
  stopsWhenAsked = true;

  postMessage(message: MainToWorkerMessage): void {
    this.received.push(message);
    if (message.type === 'stop' && this.stopsWhenAsked) {
      queueMicrotask(() => {
        this.send({ type: 'stopped' });
        this.exit(0);
      });
    }
  }

  send(message: WorkerToMainMessage): void {
    this.emit('message', message);
  }

  exit(code: number): void {
    if (this.exited) return;
    this.exited = true;
    this.emit('exit', code);
  }

  async terminate(): Promise<number> {
    this.terminated = true;
    this.exit(1);
    return 1;
  }
}
