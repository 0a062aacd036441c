/**
 * Virtual time for tests of code that schedules with the global timers and reads Date.now: node:test's
 * mock timers (`t.mock.timers`, restored when the test ends) replace setTimeout, setInterval and Date,
 * and the test moves the clock itself instead of sleeping. setImmediate stays real: it is how pending
 * promise chains (a fake fetch, a parsed body) are let run between two steps.
 *
 * Time moves in small steps (`stepMs`) because Node 20's mock `tick(ms)` runs each due timer once,
 * with Date already at the end of the tick: a step shorter than every period under test keeps every
 * timer firing at its due time.
 */
import type { TestContext } from 'node:test';

export interface VirtualTime {
  /** The virtual Date.now(). */
  now(): number;
  /** Moves the clock by `ms`, step by step, letting what each step started finish. */
  advance(ms: number): Promise<void>;
  /**
   * Moves the clock step by step until `done()` holds; fails after `maxMs` of virtual time (the
   * bound in count of steps too). Returns the virtual ms it took.
   */
  until(done: () => boolean, what: string, maxMs?: number): Promise<number>;
  /** Lets pending promise chains and callbacks run without moving the clock. */
  settle(): Promise<void>;
}

const TURNS_PER_SETTLE = 3;

async function settle(): Promise<void> {
  for (let i = 0; i < TURNS_PER_SETTLE; i++) await new Promise<void>((r) => setImmediate(r));
}

export function virtualTime(t: TestContext, stepMs = 5, start = Date.now()): VirtualTime {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: start });
  // Waits may overlap (a test arms "the next session" while it waits for a state): the oldest
  // active wait moves the clock, the others only look, so time never runs twice as fast.
  const active: object[] = [];
  const step = async (): Promise<void> => {
    t.mock.timers.tick(stepMs);
    await settle();
  };
  return {
    now: () => Date.now(),
    settle,
    async advance(ms) {
      await settle();
      for (let moved = 0; moved < ms; moved += stepMs) await step();
    },
    async until(done, what, maxMs = 5000) {
      const me = {};
      active.push(me);
      const from = Date.now();
      try {
        await settle();
        for (let turns = 0; !done(); turns++) {
          if (Date.now() - from >= maxMs || turns > (4 * maxMs) / stepMs + 100) throw new Error(`not within ${maxMs} ms of virtual time: ${what}`);
          if (active[0] === me) await step();
          else await settle();
        }
        return Date.now() - from;
      } finally {
        active.splice(active.indexOf(me), 1);
      }
    },
  };
}
