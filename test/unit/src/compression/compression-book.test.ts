/**
 * Issue 16.11: a compression stopped on request says so; it is not reported as an ffmpeg failure.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '../../../../src/core/events.ts';
import { CompressionBook, STOPPED_DETAIL } from '../../../../src/compression/compression-book.ts';
import type { CameraCompressionStatus } from '../../../../src/compression/compression-status.ts';
import { silentLogger } from '../../../../src/log/logger.ts';

function status(over: Partial<CameraCompressionStatus>): CameraCompressionStatus {
  return {
    path: 'site1/cam1', profileId: 'default', codec: 'h264', state: 'running', stateSince: 0, pid: null, fps: 0, speed: 0,
    outputBitrateBps: 0, inputBitrateBps: 0, bitrateRatio: null, droppedFrames: 0, duplicatedFrames: 0, restarts: 0, stalls: 0,
    lastExit: null, lastError: null, stderrTail: [],
    ...over,
  } as CameraCompressionStatus;
}

describe('compression state detail', () => {
  it('a normal stop (ffmpeg exits 255 on SIGTERM) reads as a stop, a crash as an exit', () => {
    const bus = new EventBus();
    const details: (string | undefined)[] = [];
    bus.subscribe((e) => {
      if (e.type === 'compression.state') details.push((e as { detail?: string }).detail);
    });
    const book = new CompressionBook(bus, silentLogger);
    book.onStatus(status({ state: 'running' }), 'state');
    book.onStatus(status({ state: 'stopped', lastExit: { code: 255, signal: null, at: 1 } }), 'state');
    book.onStatus(status({ state: 'backoff', lastExit: { code: 1, signal: null, at: 2 } }), 'state');
    assert.equal(details[1], STOPPED_DETAIL);
    assert.doesNotMatch(details[1] ?? '', /exited|code 255/);
    assert.equal(details[2], 'ffmpeg exited (code 1, signal null)');
  });
});
