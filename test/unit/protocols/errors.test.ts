/**
 * protocols/errors.ts says docs/errors.md lists every ProtocolError code: this checks the two lists
 * match (a code added without its documented meaning, or a documented code that no longer exists).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PROTOCOL_ERROR_CODES } from '../../../protocols/errors.ts';

test('docs/errors.md lists exactly the ProtocolError codes', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const documented = [...doc.matchAll(/^- `([A-Z0-9_]+)`/gm)].map((m) => m[1]!);
  assert.deepEqual([...documented].sort(), [...PROTOCOL_ERROR_CODES].sort());
});
