import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LineTail, MAX_TAIL_LINE_CHARS, redactUrlCredentials } from '../../../workers/line-tail.ts';

describe('LineTail', () => {
  it('keeps the last N lines across pieces, \\n \\r and \\r\\n', () => {
    const t = new LineTail(3);
    t.push('one\ntw');
    t.push('o\r\nthree\rfour\n');
    assert.deepEqual(t.lines(), ['two', 'three', 'four']);
  });

  it('includes an unterminated last line and skips blank lines', () => {
    const t = new LineTail(5);
    t.push('a\n\n\nb');
    assert.deepEqual(t.lines(), ['a', 'b']);
  });

  it('masks credentials in URLs ffmpeg prints', () => {
    const t = new LineTail(3);
    t.push("Input #0, rtsp, from 'rtsp://cam:p%40ss@127.0.0.1:8554/site1/cam1':\n");
    t.push('[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized rtmp://u:v@h/a');
    assert.deepEqual(t.lines(), ["Input #0, rtsp, from 'rtsp://***@127.0.0.1:8554/site1/cam1':", '[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized rtmp://***@h/a']);
    assert.equal(redactUrlCredentials('rtsp://127.0.0.1:8554/a user@example'), 'rtsp://127.0.0.1:8554/a user@example');
  });

  it('cuts over-long lines', () => {
    const t = new LineTail(2);
    t.push('x'.repeat(MAX_TAIL_LINE_CHARS * 2) + '\n');
    assert.equal(t.lines()[0]!.length, MAX_TAIL_LINE_CHARS);
  });

  it('decodes a UTF-8 character split between pieces', () => {
    const t = new LineTail(2);
    const bytes = Buffer.from('caméra\n');
    const at = bytes.indexOf(0xc3) + 1; // inside 'é'
    t.push(bytes.subarray(0, at));
    t.push(bytes.subarray(at));
    assert.deepEqual(t.lines(), ['caméra']);
  });
});
