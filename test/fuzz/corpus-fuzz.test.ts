/**
 * Corpus-guided fuzzing of every target in targets.ts: each iteration mutates one corpus input
 * (seeded PRNG, byte-level edits) and runs it with the target's invariants. CUPOLA_FUZZ_ITERATIONS
 * sets the budget (2000 in `npm test`, 200000 in `npm run test:fuzz`); each target gets a tenth of
 * it, HTTP API bodies (a real API server) a fiftieth. Breaking inputs are saved to the corpus with
 * CUPOLA_FUZZ_SAVE=1 (save-crasher.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TARGETS, runTarget } from './targets.ts';
import { keepCrasher, saveCrasher } from './save-crasher.ts';
import { FUZZ_ITERATIONS, mutateBytes } from '../unit/protocols/rtp/fuzz-helpers.ts';
import { pick, prng } from '../helpers/random.ts';
import { startFixture, TOKEN, type Fixture } from '../unit/src/api/fixture.ts';

const CORPUS = fileURLToPath(new URL('./corpus/', import.meta.url));
/** Inputs larger than this are cut before mutation (byte-at-a-time feeding is quadratic-ish in time). */
const MAX_SEED_BYTES = 8192;

function seeds(target: string): Buffer[] {
  const dir = join(CORPUS, target);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.bin')).sort().map((f) => readFileSync(join(dir, f)).subarray(0, MAX_SEED_BYTES));
}

for (const target of TARGETS) {
  const n = Math.max(50, Math.floor(FUZZ_ITERATIONS / 10));
  it(`corpus fuzz ${target.name}: only ${target.allowedName} (${n} iterations)`, () => {
    const inputs = seeds(target.name);
    assert.ok(inputs.length > 0);
    const rnd = prng(0xc0b0 + target.name.length * 7919);
    for (let i = 0; i < n; i++) {
      const input = mutateBytes(pick(inputs, rnd), rnd, 1 + (i % 8));
      keepCrasher(target.name, input, () => runTarget(target, input));
    }
  });
}

describe('corpus fuzz http-api-body (real API server)', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({ token: TOKEN });
  });
  after(() => f.close());
  const n = Math.max(20, Math.floor(FUZZ_ITERATIONS / 50));
  it(`mutated JSON bodies never get a 5xx (${n} iterations)`, async () => {
    const inputs = seeds('http-api-body');
    const rnd = prng(0xa91);
    const routes: [string, string][] = [['PUT', '/api/v1/cameras/site1/fuzz'], ['PATCH', '/api/v1/profiles/default'], ['POST', '/api/v1/sites']];
    for (let i = 0; i < n; i++) {
      const body = mutateBytes(pick(inputs, rnd), rnd, 1 + (i % 6));
      const [method, path] = pick(routes, rnd);
      const res = await fetch(`http://127.0.0.1:${f.port}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: new Uint8Array(body),
        signal: AbortSignal.timeout(5000),
      });
      const text = await res.text();
      if (res.status >= 500) assert.fail(`${method} ${path}: ${res.status} ${text} ${saveCrasher('http-api-body', body)}`);
    }
  });
});
