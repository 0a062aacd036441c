import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveServeOptions } from '../../../../src/cli/serve-options.ts';

const DEFAULTS = { role: 'slave', host: '0.0.0.0', rtmpPort: '1935', rtspPort: '8554', compressedRtspPort: '8555', apiPort: '8080', dataDir: './data', logLevel: 'info' };

describe('serve options: --reset-catalog', () => {
  it('off by default; on from the flag or CUPOLA_RESET_CATALOG=1|true|yes', () => {
    assert.equal(resolveServeOptions(DEFAULTS, () => false, {}).resetCatalog, false);
    assert.equal(resolveServeOptions({ ...DEFAULTS, resetCatalog: true }, (k) => k === 'resetCatalog', {}).resetCatalog, true);
    for (const v of ['1', 'true', 'YES']) assert.equal(resolveServeOptions(DEFAULTS, () => false, { CUPOLA_RESET_CATALOG: v }).resetCatalog, true, v);
    for (const v of ['', '0', 'no']) assert.equal(resolveServeOptions(DEFAULTS, () => false, { CUPOLA_RESET_CATALOG: v }).resetCatalog, false, v);
  });
});
