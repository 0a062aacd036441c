import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SERVE_NODE_FLAGS } from '../../../../src/cli/node-flags.ts';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const read = (path: string): string => readFileSync(`${root}${path}`, 'utf8');
const flags = SERVE_NODE_FLAGS.join(' ');

test('node flags: every launcher passes SERVE_NODE_FLAGS to node', () => {
  assert.ok(SERVE_NODE_FLAGS.length > 0);
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  assert.match(scripts['start']!, new RegExp(`^node ${flags} dist/src/cli/main\\.js serve`));
  assert.match(scripts['start:dev']!, new RegExp(`^node ${flags} --import tsx src/cli/main\\.ts serve`));
  assert.match(scripts['demo']!, new RegExp(`^node ${flags} dist/src/cli/main\\.js demo`));
  assert.equal(read('bin/cupola.js').split('\n')[0], `#!/usr/bin/env -S node ${flags}`);
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(read('docs/deploy/Dockerfile'));
  assert.ok(entrypoint, 'Dockerfile has an ENTRYPOINT');
  assert.deepEqual(JSON.parse(entrypoint[1]!), ['node', ...SERVE_NODE_FLAGS, 'dist/src/cli/main.js']);
  assert.match(read('docs/deploy/cupola.service'), new RegExp(`^ExecStart=/usr/bin/node ${flags} /opt/cupola/dist/src/cli/main\\.js serve$`, 'm'));
  assert.match(read('src/demo/node-process.ts'), /spawn\(process\.execPath, \[\.\.\.SERVE_NODE_FLAGS,/);
});

test('node flags: node accepts them and the young generation stays within 2 x 2 MB under allocation', () => {
  const churn = "let keep = []; for (let i = 0; i < 2e6; i++) { keep.push({ i }); if (keep.length > 1e5) keep = []; } const s = require('v8').getHeapSpaceStatistics().find((x) => x.space_name === 'new_space'); console.log(s.space_size);";
  const run = (args: readonly string[]): number => {
    const r = spawnSync(process.execPath, [...args, '-e', churn], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    return Number(r.stdout.trim());
  };
  const capped = run(SERVE_NODE_FLAGS);
  const plain = run([]);
  assert.ok(capped <= 4 * 1024 * 1024, `new space ${capped} bytes with ${flags}`);
  assert.ok(plain > capped, `without the flags the new space grows past it (${plain} bytes)`);
});
