import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dashboardUrl, startupSummary } from '../../../../src/cli/startup-summary.ts';
import { parseSettings } from '../../../../src/config/settings.ts';

describe('startup summary with TLS listeners (issue 14)', () => {
  const plain = { rtmp: 1935, rtsp: 8554, compressedRtsp: 8555, api: 8080, rtmps: null, rtsps: null, compressedRtsps: null };

  it('names the TLS listeners only when they are on, and the dashboard in https:// with --https', () => {
    const off = parseSettings({});
    assert.doesNotMatch(startupSummary({ settings: off, ports: plain, version: 'x' }).join('\n'), /rtmps|rtsps/);
    assert.equal(dashboardUrl(off, plain), 'http://127.0.0.1:8080/');
    const on = parseSettings({ api: { https: true }, factories: { raw: { rtmpsPort: 1936, rtspsPort: 8322 } }, tls: { certFile: '/c', keyFile: '/k' } });
    const lines = startupSummary({ settings: on, ports: { ...plain, rtmps: 1936, rtsps: 8322 }, version: 'x' }).join('\n');
    assert.match(lines, /RTMPS ingest \+ play\s+rtmps:\/\/127\.0\.0\.1:1936\/SITE\/CAMERA/);
    assert.match(lines, /RTSPS raw \(Factory 1\)\s+rtsps:\/\/127\.0\.0\.1:8322\/SITE\/CAMERA/);
    assert.doesNotMatch(lines, /RTSPS compressed/);
    assert.match(lines, /dashboard\s+https:\/\/127\.0\.0\.1:8080\//);
  });
});
