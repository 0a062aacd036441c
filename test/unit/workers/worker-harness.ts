/**
 * Test helpers for the compressor worker: a real worker thread, a message log with bounded waits,
 * and process liveness checks by PID.
 */
import { readFileSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { startWorker as startWorkerThread } from '../../../src/compression/start-worker.ts';
import { COMPRESSOR_WORKER_ENTRY } from '../../../src/compression/compression-manager.ts';
import { DEFAULT_BACKOFF, type CompressionProfile, type StartMessage, type WorkerToMainMessage } from '../../../workers/messages.ts';

export const TINY_PROFILE: CompressionProfile = {
  id: 'tiny',
  codec: 'h264',
  bitrateKbps: 100,
  maxrateKbps: 150,
  bufsizeKbps: 200,
  height: 120,
  gopFrames: 10,
  preset: 'ultrafast',
  tune: 'zerolatency',
  audio: 'drop',
};

/** A lavfi camera: 320x240 at 10 fps in real time. */
export function lavfiStart(profile: CompressionProfile, over: Partial<StartMessage> = {}): StartMessage {
  return {
    type: 'start',
    cameraPath: 'site1/cam1',
    inputUrl: 'testsrc2=size=320x240:rate=10',
    inputArgs: ['-re', '-f', 'lavfi'],
    output: { kind: 'frames' },
    profile,
    stallTimeoutMs: 5000,
    backoff: { ...DEFAULT_BACKOFF, initialMs: 100, maxMs: 500 },
    ...over,
  };
}

export class MessageLog {
  readonly messages: WorkerToMainMessage[] = [];
  #waiters: Array<() => void> = [];

  push(m: WorkerToMainMessage): void {
    this.messages.push(m);
    for (const w of this.#waiters.splice(0)) w();
  }

  of<T extends WorkerToMainMessage['type']>(type: T): Array<Extract<WorkerToMainMessage, { type: T }>> {
    return this.messages.filter((m): m is Extract<WorkerToMainMessage, { type: T }> => m.type === type);
  }

  /** Resolves with the first message from index `from` on that matches, or rejects after `ms`. */
  async waitFor<T extends WorkerToMainMessage['type']>(
    type: T,
    ms: number,
    pred: (m: Extract<WorkerToMainMessage, { type: T }>) => boolean = () => true,
    from = 0,
  ): Promise<Extract<WorkerToMainMessage, { type: T }>> {
    const deadline = Date.now() + ms;
    for (let i = 0; i < 10_000; i++) {
      const hit = this.messages.slice(from).find((m): m is Extract<WorkerToMainMessage, { type: T }> => m.type === type && pred(m as never));
      if (hit !== undefined) return hit;
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const seen = this.messages.map((m) => m.type).join(',');
    throw new Error(`no '${type}' message within ${ms} ms; got ${seen.slice(-500)}`);
  }
}

export function startWorker(log: MessageLog): Worker {
  const w = startWorkerThread(COMPRESSOR_WORKER_ENTRY);
  w.on('message', (m: WorkerToMainMessage) => log.push(m));
  return w;
}

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Waits until `pid` is gone; false after `ms`. */
export async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

/** SIGKILLs `pid` if it is still alive (test cleanup). */
export function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone: nothing to clean up
  }
}
