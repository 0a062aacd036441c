import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SourceFailoverPlan } from '../../../../src/sources/source-failover.ts';

describe('source failover plan (master)', () => {
  it('takes over after the slave has been unreachable for afterMs, hands back as soon as it answers', () => {
    const plan = new SourceFailoverPlan(1000);
    plan.observe([{ id: 'slave', reachable: true }], 0);
    assert.equal(plan.active(['slave'], 0), false);
    plan.observe([{ id: 'slave', reachable: false }], 100);
    assert.equal(plan.active(['slave'], 900), false, 'not before afterMs');
    plan.observe([{ id: 'slave', reachable: false }], 1100);
    assert.equal(plan.active(['slave'], 1100), true);
    plan.observe([{ id: 'slave', reachable: true }], 1200);
    assert.equal(plan.active(['slave'], 1200), false, 'handed back at once');
  });
  it('a camera no slave replicates yet needs every slave down; no slave configured: never', () => {
    const plan = new SourceFailoverPlan(0);
    plan.observe([{ id: 'a', reachable: false }, { id: 'b', reachable: true }], 0);
    assert.equal(plan.active(['a', 'b'], 10), false);
    assert.equal(plan.active(['a'], 10), true);
    assert.equal(plan.active([], 10), false);
  });
  it('forgets upstreams no longer listed', () => {
    const plan = new SourceFailoverPlan(0);
    plan.observe([{ id: 'a', reachable: false }], 0);
    plan.observe([], 5);
    assert.equal(plan.active(['a'], 10), false);
  });
});
