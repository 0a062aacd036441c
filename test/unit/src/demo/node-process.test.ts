import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { listenersDownIn, parseListeningLine } from '../../../../src/demo/node-process.ts';

describe('demo node process: listening line', () => {
  it('reads the ports of the announcement', () => {
    const line = JSON.stringify({ event: 'listening', role: 'slave', rtmp: 1935, rtsp: 8554, compressedRtsp: 8555, api: 8080 });
    assert.deepEqual(parseListeningLine(line), { rtmp: 1935, rtsp: 8554, compressedRtsp: 8555, api: 8080 });
  });

  it('maps a port the node does not open (null) to 0', () => {
    const line = JSON.stringify({ event: 'listening', role: 'master', rtmp: 1, rtsp: null, compressedRtsp: 3, api: 4 });
    assert.deepEqual(parseListeningLine(line), { rtmp: 1, rtsp: 0, compressedRtsp: 3, api: 4 });
  });

  it('ignores anything else', () => {
    for (const line of ['', 'hello', '{"event":"other"}', '{not json', '[1,2]', 'null']) {
      assert.equal(parseListeningLine(line), undefined, line);
    }
  });
});

describe('demo node process: listeners down', () => {
  it('reads the listeners the announcement names as down', () => {
    const line = JSON.stringify({ event: 'listening', role: 'slave', rtmp: 1935, rtsp: 8554, compressedRtsp: 8555, api: 8080, down: ['rtmp', 'api'] });
    assert.deepEqual(listenersDownIn(line), ['rtmp', 'api']);
  });

  it('reads none from an announcement without them, or from anything else', () => {
    for (const line of [JSON.stringify({ event: 'listening', down: [] }), JSON.stringify({ event: 'listening' }), '{not json', 'null']) {
      assert.deepEqual(listenersDownIn(line), [], line);
    }
  });
});
