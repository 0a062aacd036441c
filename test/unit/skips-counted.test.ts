/**
 * Issue 16.12: a suite skipped for a missing dependency (MongoDB, Chromium) must show in node:test's
 * summary. node:test counts skipped tests, not skipped suites, so the skip goes on each test.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === 'fixtures' ? [] : testFiles(join(dir, e.name))) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

describe('skipped tests are counted', () => {
  it('the MongoDB contract suite without a server reports its tests as skipped, with the reason', () => {
    const env = { ...process.env };
    delete env.CUPOLA_TEST_MONGO_URL;
    delete env.NODE_TEST_CONTEXT; // else the child reports to this runner instead of printing TAP
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', 'test/unit/src/config/store-contract.test.ts'], { cwd: repo, env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const skipped = Number(/^# skipped (\d+)$/m.exec(r.stdout)?.[1]);
    const mongoTests = r.stdout.split('\n').filter((l) => / # SKIP CUPOLA_TEST_MONGO_URL is not set/.test(l)).length;
    assert.ok(mongoTests >= 6, `skipped MongoDB tests listed with the reason: ${mongoTests}`);
    assert.equal(skipped, mongoTests, `"# skipped" in the summary counts them (${skipped})`);
  });

  it('no test file skips a whole describe (it would count as 0 skipped)', () => {
    const offenders = testFiles(join(repo, 'test')).filter((f) => /describe\([^\n]*\{[^}\n]*\bskip\b/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders.map((f) => f.slice(repo.length)), []);
  });
});
