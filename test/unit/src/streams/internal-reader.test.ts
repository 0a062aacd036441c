/**
 * Issue 16.5: every internal consumer sends the agent that makes the server count it as `internal`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { INTERNAL_AGENT_PREFIX, internalAgent, readerProtocol } from '../../../../src/streams/internal-reader.ts';
import { snapshotArgs } from '../../../../src/snapshots/ffmpeg-grab.ts';
import { buildFfmpegArgs, COMPRESSION_USER_AGENT } from '../../../../workers/ffmpeg-args.ts';
import { TINY_PROFILE } from '../../workers/worker-harness.ts';

function agentArg(args: readonly string[]): string | undefined {
  const i = args.indexOf('-user_agent');
  return i < 0 ? undefined : args[i + 1];
}

describe('internal readers', () => {
  it('counts an agent with the prefix as internal, anything else under its protocol', () => {
    assert.equal(readerProtocol('rtsp', internalAgent('replication')), 'internal');
    assert.equal(readerProtocol('rtmp', internalAgent('replication')), 'internal');
    assert.equal(readerProtocol('rtsp', 'Lavf58.20.100'), 'rtsp');
    assert.equal(readerProtocol('rtsp', 'Cupola'), 'rtsp'); // cupola probe is a viewer
    assert.equal(readerProtocol('rtmp', 'FMLE/3.0 (compatible; Cupola)'), 'rtmp');
    assert.equal(readerProtocol('rtmp', undefined), 'rtmp');
  });

  it('the compression input and snapshot grabs send it', () => {
    assert.equal(COMPRESSION_USER_AGENT, internalAgent('compression'));
    assert.ok(COMPRESSION_USER_AGENT.startsWith(INTERNAL_AGENT_PREFIX));
    const compression = buildFfmpegArgs({ inputUrl: 'rtsp://127.0.0.1:8554/site1/cam1', output: { kind: 'frames' }, profile: TINY_PROFILE });
    assert.equal(readerProtocol('rtsp', agentArg(compression)), 'internal');
    assert.equal(readerProtocol('rtsp', agentArg(snapshotArgs('rtsp://127.0.0.1:8554/site1/cam1'))), 'internal');
  });
});
