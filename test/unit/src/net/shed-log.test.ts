import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShedLog } from '../../../../src/net/shed-log.ts';
import type { Logger } from '../../../../src/log/logger.ts';

test('shed log: once per source and reason per interval, with the suppressed count on the next line', () => {
  const lines: Record<string, unknown>[] = [];
  const log = { warn: (_m: string, f?: Record<string, unknown>) => lines.push(f ?? {}) } as unknown as Logger;
  let now = 0;
  const shed = new ShedLog(log, () => now, 1000);
  for (let i = 0; i < 100; i++) shed.record('10.0.0.9', 'per-ip-cap');
  shed.record('10.0.0.9', 'first-request-timeout');
  shed.record('10.0.0.8', 'per-ip-cap');
  assert.equal(lines.length, 3);
  now = 1500;
  shed.record('10.0.0.9', 'per-ip-cap');
  assert.equal(lines.length, 4);
  assert.equal(lines[3]!['sameSourceSinceLastLog'], 99);
});
