import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputBudget, type InputBudgetReason } from '../../../../src/net/input-budget.ts';

function open(budget: InputBudget, name: string, closed: string[]) {
  return budget.open((reason: InputBudgetReason) => closed.push(`${name}:${reason}`));
}

test('input budget: a connection over its own cap is closed, before and after authorisation', () => {
  const b = new InputBudget({ maxTotalBytes: 10_000, maxConnectionBytes: 1000, maxUnauthorisedBytes: 100 });
  const closed: string[] = [];
  const early = open(b, 'early', closed);
  assert.equal(early.update(100), true);
  assert.equal(early.update(101), false);
  const cam = open(b, 'cam', closed);
  cam.authorise();
  assert.equal(cam.update(1000), true);
  assert.equal(cam.update(1001), false);
  assert.deepEqual(closed, ['early:connection-budget', 'cam:connection-budget']);
  assert.equal(b.totalBytes, 0, 'closed connections release their bytes');
});

test('input budget: over the total, the largest unauthorised holders go first, then authorised ones', () => {
  const b = new InputBudget({ maxTotalBytes: 1000, maxConnectionBytes: 1000, maxUnauthorisedBytes: 1000 });
  const closed: string[] = [];
  const cam = open(b, 'cam', closed);
  cam.authorise();
  const small = open(b, 'small', closed);
  const big = open(b, 'big', closed);
  assert.ok(cam.update(500));
  assert.ok(small.update(100));
  assert.ok(big.update(300));
  assert.ok(cam.update(700), 'the camera grew past the total, but an unauthorised holder pays');
  assert.deepEqual(closed, ['big:input-budget']);
  assert.ok(cam.update(950));
  assert.deepEqual(closed, ['big:input-budget', 'small:input-budget']);
  assert.equal(b.totalBytes, 950);
  const other = open(b, 'other', closed);
  other.authorise();
  assert.equal(other.update(200), true, 'the largest authorised holder goes when no unauthorised one is left');
  assert.deepEqual(closed.at(-1), 'cam:input-budget');
  assert.equal(b.totalBytes, 200);
  assert.equal(b.peakBytes, 1150);
  assert.deepEqual(b.closedFor, { 'connection-budget': 0, 'input-budget': 3 });
});
