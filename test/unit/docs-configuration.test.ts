/**
 * docs/configuration.md against the code: the flags table says what `cupola serve --help` says
 * (flag, variable, default, meaning), so the docs cannot drift from the CLI; and what an operator
 * reads first (README, the API table, the protocol docs) matches what the code serves.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVE_FLAGS } from '../../src/cli/serve-options.ts';
import { SNAPSHOT_ROUTE } from '../../src/snapshots/snapshot-route.ts';

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

describe('docs an operator reads first (issue 16.8)', () => {
  const read = (p: string): string => readFileSync(join(repo, p), 'utf8');

  it('README and the settings table name the dashboard, served at / by default', () => {
    assert.match(read('README.md'), /dashboard[^\n]*\| 8080 \| `http:\/\/HOST:8080\/`/);
    const row = rows(configuration).get('api.staticDir');
    assert.ok(row);
    assert.match(row[1]!, /bundled dashboard/);
    assert.ok(existsSync(join(repo, 'src/dashboard/index.html')));
  });

  it('the API table in docs/operations.md lists the snapshot route', () => {
    const api = rows(read('docs/operations.md'));
    assert.ok([...api.keys()].some((k) => k === `GET ${SNAPSHOT_ROUTE}`), `no row for GET ${SNAPSHOT_ROUTE}`);
  });

  it('the protocol docs say the raw RTSP port accepts RECORD, as the factory listeners start it', () => {
    const main = read('src/roles/factory-listeners.ts');
    // The startRtspListener call of Factory 1: the one given the raw factory's RTSP port.
    const raw = /startRtspListener\(\s*(?:\/\/[^\n]*\n\s*)*\{ port: rawSettings\.rtspPort,[^\n]*/.exec(main)?.[0] ?? '';
    assert.match(raw, /allowPublish: true/, 'the raw RTSP listener takes camera pushes');
    const row = read('docs/protocols.md').split('\n').find((l) => l.startsWith('| RTSP raw'));
    assert.ok(row);
    assert.doesNotMatch(row, /play only/);
    assert.match(row, /ANNOUNCE\/RECORD/);
    assert.doesNotMatch(read('docs/protocols/rtsp.md'), /RECORD only where publishing is allowed \(Factory 2\)/);
  });
});

describe('--config in the docs (issue 16.4)', () => {
  const read = (p: string): string => readFileSync(join(repo, p), 'utf8');

  it('the deploy env example and configuration.md call it the node settings file, not the catalog', () => {
    const example = read('docs/deploy/cupola.env.example').split('\n');
    const at = example.findIndex((l) => /^#?CUPOLA_CONFIG=/.test(l));
    assert.ok(at > 0);
    const comment = example.slice(Math.max(0, at - 3), at).filter((l) => l.startsWith('# ')).join(' ');
    assert.match(comment, /node settings file/);
    assert.doesNotMatch(example[at]!, /config\.json/, 'the example value is not the catalog file');
    assert.doesNotMatch(comment, /used as the embedded store/);
    assert.doesNotMatch(configuration, /or the file `--config` names/);
    const flag = SERVE_FLAGS.find((f) => f.flags.startsWith('--config'))!;
    assert.match(flag.description, /node settings file.*not the catalog/);
  });
});
