/**
 * docs/configuration.md against the code: the flags table says what `cupola serve --help` says
 * (flag, variable, default, meaning), so the docs cannot drift from the CLI.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVE_FLAGS } from '../../src/cli/serve-options.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const configuration = readFileSync(join(repo, 'docs/configuration.md'), 'utf8');

/** Table rows of a markdown file as cells, the first cell unquoted from backticks. */
function rows(md: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of md.split('\n')) {
    if (!line.startsWith('| `')) continue;
    const cells = line.slice(1, -1).split(' | ').map((c) => c.trim());
    out.set(cells[0]!.replace(/^`|`$/g, ''), cells);
  }
  return out;
}

describe('docs/configuration.md', () => {
  const table = rows(configuration);

  it('lists every serve flag with the variable, default and meaning --help prints', () => {
    for (const f of SERVE_FLAGS) {
      const row = table.get(f.flags);
      assert.ok(row, `no row for ${f.flags}`);
      const [, env, def, meaning] = row;
      assert.equal(env, `\`${f.env}\``, `${f.flags}: variable`);
      assert.equal(def, typeof f.defaultValue === 'string' ? `\`${f.defaultValue}\`` : 'none', `${f.flags}: default`);
      const choices = f.choices ? ` (${f.choices.join(', ')})` : '';
      assert.equal(meaning, `${f.description}${choices}`, `${f.flags}: meaning`);
    }
  });
});
