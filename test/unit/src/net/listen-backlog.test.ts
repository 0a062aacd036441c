/**
 * The RTMP and RTSP listeners ask for an accept queue of LISTEN_BACKLOG (Node's default is 511):
 * read back from the kernel with `ss`, whose Send-Q column of a listening socket is its backlog.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { LISTEN_BACKLOG } from '../../../../src/net/listen-backlog.ts';
import { startRtmpListener, type RtmpListener } from '../../../../src/rtmp/server/rtmp-listener.ts';
import { startRtspListener, type RtspListener } from '../../../../src/rtsp/server/rtsp-listener.ts';
import { createLogger } from '../../../../src/log/logger.ts';
import { StreamRegistry } from '../../../../src/streams/registry.ts';

function ssMissing(): string | false {
  try {
    execFileSync('ss', ['-V'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'ss (iproute2) is not installed: the backlog cannot be read back';
  }
}
const skip = ssMissing();
if (skip !== false) console.log(`# skipped: ${skip}`);

/** The backlog the kernel gave the listening TCP socket on 127.0.0.1:port. */
function kernelBacklog(port: number): number {
  const out = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).trim();
  const fields = out.split(/\s+/);
  assert.equal(fields[0], 'LISTEN', `ss output: ${out}`);
  return Number(fields[2]);
}

describe('listen backlog', () => {
  const log = createLogger('silent');
  const registry = new StreamRegistry('raw');
  let rtmp: RtmpListener;
  let rtsp: RtspListener;
  before(async () => {
    if (skip !== false) return;
    rtmp = await startRtmpListener({ port: 0, host: '127.0.0.1' }, { registry, log });
    rtsp = await startRtspListener({ port: 0, host: '127.0.0.1' }, { registry, log });
  });
  after(async () => {
    if (skip !== false) return;
    await rtmp.close();
    await rtsp.close();
    registry.close();
  });

  it('RTMP and RTSP listen with LISTEN_BACKLOG, as far as net.core.somaxconn allows', { skip }, (t) => {
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    if (somaxconn <= 511) {
      t.skip(`net.core.somaxconn is ${somaxconn}: the kernel caps any backlog at or below Node's default of 511, nothing to tell apart`);
      return;
    }
    const expected = Math.min(LISTEN_BACKLOG, somaxconn);
    assert.equal(kernelBacklog(rtmp.port), expected);
    assert.equal(kernelBacklog(rtsp.port), expected);
  });
});
