/**
 * protocols/errors.ts promises: each protocol area lists its codes in its own `error-codes.ts`,
 * docs/errors.md lists them all, and this test checks the lists match. So: every
 * protocols/<area>/error-codes.ts on disk feeds PROTOCOL_ERROR_CODES (a new area cannot be forgotten
 * in errors.ts); docs/errors.md has one `## <area>` section per area listing exactly that area's
 * codes, each with its meaning; no code is listed twice; and every code is raised somewhere (a code
 * nothing throws documents nothing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PROTOCOL_ERROR_CODES } from '../../../protocols/errors.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const abs = join(dir, e.name);
    return e.isDirectory() ? tsFiles(abs) : e.isFile() && e.name.endsWith('.ts') ? [abs] : [];
  });
}

/** Area name (`rtsp`, `codecs`…) → the codes its error-codes.ts exports. */
async function codesByArea(): Promise<Map<string, string[]>> {
  const byArea = new Map<string, string[]>();
  for (const file of tsFiles(join(root, 'protocols')).filter((f) => f.endsWith(`${sep}error-codes.ts`))) {
    const area = relative(join(root, 'protocols'), file).split(sep).slice(0, -1).join('/');
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const lists = Object.entries(mod).filter(([name]) => name.endsWith('_ERROR_CODES'));
    assert.equal(lists.length, 1, `${file} exports one *_ERROR_CODES list`);
    const codes = lists[0]![1];
    assert.ok(Array.isArray(codes) && codes.every((c) => typeof c === 'string'), `${file}: a list of strings`);
    byArea.set(area, codes as string[]);
  }
  return byArea;
}

/** `## area` heading → the `- \`CODE\`: meaning` items under it. */
function documented(doc: string): Map<string, { code: string; meaning: string }[]> {
  const sections = new Map<string, { code: string; meaning: string }[]>();
  let current: { code: string; meaning: string }[] | undefined;
  for (const line of doc.split('\n')) {
    const heading = /^## (.+?)\s*$/.exec(line);
    if (heading !== null) {
      current = [];
      sections.set(heading[1]!, current);
      continue;
    }
    const item = /^- `([A-Z0-9_]+)`:?\s*(.*)$/.exec(line);
    if (item === null) continue;
    assert.ok(current !== undefined, `docs/errors.md: ${item[1]} is listed before any ## section`);
    current.push({ code: item[1]!, meaning: item[2]!.trim() });
  }
  return sections;
}

test('every protocols/<area>/error-codes.ts feeds PROTOCOL_ERROR_CODES, and no code is defined twice', async () => {
  const byArea = await codesByArea();
  assert.ok(byArea.size >= 6, `error-codes.ts files found: ${[...byArea.keys()].join(', ')}`);
  const all = [...byArea.values()].flat();
  assert.deepEqual(all.filter((c, i) => all.indexOf(c) !== i), [], 'codes defined twice');
  assert.deepEqual([...PROTOCOL_ERROR_CODES].sort(), [...all].sort(), 'protocols/errors.ts spreads every area list, and only those');
});

test('docs/errors.md has one section per area listing exactly its codes, each with its meaning', async () => {
  const byArea = await codesByArea();
  const doc = documented(readFileSync(join(root, 'docs', 'errors.md'), 'utf8'));
  assert.deepEqual([...doc.keys()].sort(), [...byArea.keys()].sort(), 'one ## section per protocols area');
  for (const [area, codes] of byArea) {
    const items = doc.get(area) ?? [];
    assert.deepEqual(items.map((i) => i.code).sort(), [...codes].sort(), `docs/errors.md ## ${area} lists exactly protocols/${area}/error-codes.ts`);
    for (const { code, meaning } of items) assert.ok(meaning.length >= 20, `docs/errors.md: ${code} says what it means`);
  }
  const listed = [...doc.values()].flat().map((i) => i.code);
  assert.deepEqual(listed.filter((c, i) => listed.indexOf(c) !== i), [], 'codes documented twice');
  assert.equal(listed.length, PROTOCOL_ERROR_CODES.length);
});

test('every code is raised somewhere outside the code lists', () => {
  const sources = ['protocols', 'src', 'workers']
    .flatMap((d) => tsFiles(join(root, d)))
    .filter((f) => !f.endsWith(`${sep}error-codes.ts`) && !f.endsWith(`protocols${sep}errors.ts`))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const unused = PROTOCOL_ERROR_CODES.filter((code) => !sources.includes(`'${code}'`));
  assert.deepEqual(unused, [], 'codes nothing raises (remove them, with their docs/errors.md line)');
});
