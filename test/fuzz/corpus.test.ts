/**
 * Runs every committed corpus input (test/fuzz/corpus/<target>/*.bin: seeds from make-corpus.ts
 * and crashers saved by the fuzzers) through its parser as a named case (the file name), with the
 * invariants of targets.ts: only the parser's own error, termination, bounded buffering, well-formed
 * output, input left untouched. HTTP API bodies go to a real API server (POST/PUT/PATCH of sites,
 * cameras and profiles): every answer is a 2xx or a 4xx with a JSON error, never a 5xx.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TARGETS, runTarget } from './targets.ts';
import { startFixture, TOKEN, type Fixture } from '../unit/src/api/fixture.ts';

const CORPUS = fileURLToPath(new URL('./corpus/', import.meta.url));

function files(target: string): string[] {
  const dir = join(CORPUS, target);
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.bin')).sort() : [];
}

it('every fuzz target has a corpus directory with inputs, and every corpus directory a target', () => {
  const dirs = readdirSync(CORPUS).filter((d) => !d.includes('.')).sort();
  const names = [...TARGETS.map((t) => t.name), 'http-api-body'].sort();
  assert.deepEqual(dirs, names);
  for (const d of dirs) assert.ok(files(d).length > 0, `${d} has inputs`);
});

for (const target of TARGETS) {
  describe(`corpus: ${target.name}`, () => {
    for (const file of files(target.name)) {
      it(file, () => runTarget(target, readFileSync(join(CORPUS, target.name, file))));
    }
  });
}

describe('corpus: http-api-body (real API server)', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture({ token: TOKEN });
  });
  after(() => f.close());
  const routes: [string, string][] = [
    ['POST', '/api/v1/sites'],
    ['PUT', '/api/v1/sites/fuzz'],
    ['PUT', '/api/v1/cameras/site1/fuzz'],
    ['PATCH', '/api/v1/cameras/site1/cam1'],
    ['POST', '/api/v1/profiles'],
    ['PATCH', '/api/v1/profiles/default'],
  ];
  for (const file of files('http-api-body')) {
    it(file, async () => {
      const body = readFileSync(join(CORPUS, 'http-api-body', file));
      for (const [method, path] of routes) {
        const res = await fetch(`http://127.0.0.1:${f.port}${path}`, {
          method,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
          body,
          signal: AbortSignal.timeout(5000),
        });
        const text = await res.text();
        assert.ok(res.status < 500, `${method} ${path}: ${res.status} ${text}`);
        if (res.status >= 400) {
          const err = (JSON.parse(text) as { error?: { status: number; message: string } }).error;
          assert.equal(err?.status, res.status, `${method} ${path}: a JSON error body`);
          assert.ok((err?.message ?? '').length > 0, `${method} ${path}: an error message`);
        }
      }
    });
  }
});
