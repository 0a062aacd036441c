/** Case table shared by the reader, writer and fuzz tests. */
export interface WireCase {
  readonly name: string;
  readonly wire: Buffer;
  /** Items as normalize() renders them. */
  readonly items: readonly unknown[];
}

const crlf = (lines: string[]): string => lines.join('\r\n');

const SDP = crlf(['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=cam', 't=0 0', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=control:trackID=0', '']);

export const READER_CASES: WireCase[] = [
  {
    name: 'ffmpeg OPTIONS request',
    wire: Buffer.from(crlf(['OPTIONS rtsp://127.0.0.1:8554/site1/cam1 RTSP/1.0', 'CSeq: 1', 'User-Agent: Lavf58.20.100', '', ''])),
    items: [{ kind: 'request', method: 'OPTIONS', uri: 'rtsp://127.0.0.1:8554/site1/cam1', version: 'RTSP/1.0', headers: [['CSeq', '1'], ['User-Agent', 'Lavf58.20.100']], body: '' }],
  },
  {
    name: 'DESCRIBE response with SDP body',
    wire: Buffer.from(crlf(['RTSP/1.0 200 OK', 'CSeq: 2', 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(SDP)}`, '', SDP])),
    items: [
      {
        kind: 'response',
        version: 'RTSP/1.0',
        statusCode: 200,
        reason: 'OK',
        headers: [['CSeq', '2'], ['Content-Type', 'application/sdp'], ['Content-Length', String(Buffer.byteLength(SDP))]],
        body: SDP,
      },
    ],
  },
  {
    name: 'interleaved frames around a request (RECORD over TCP with a keepalive)',
    // $ ch0 len 4 | de ad be ef, then a request, then $ ch1 len 0, then $ ch3 len 2
    wire: Buffer.concat([
      Buffer.from('2400000' + '4deadbeef', 'hex'),
      Buffer.from(crlf(['GET_PARAMETER rtsp://h/a RTSP/1.0', 'CSeq: 9', 'Session: 12345678', '', ''])),
      Buffer.from('24010000', 'hex'),
      Buffer.from('24030002abcd', 'hex'),
    ]),
    items: [
      { kind: 'interleaved', channel: 0, payload: 'deadbeef' },
      { kind: 'request', method: 'GET_PARAMETER', uri: 'rtsp://h/a', version: 'RTSP/1.0', headers: [['CSeq', '9'], ['Session', '12345678']], body: '' },
      { kind: 'interleaved', channel: 1, payload: '' },
      { kind: 'interleaved', channel: 3, payload: 'abcd' },
    ],
  },
  {
    name: 'status line without reason phrase, LF-only line ends, folded header',
    wire: Buffer.from('RTSP/1.0 454\nCSeq: 3\nX-Long: first\n  second\n\n'),
    items: [{ kind: 'response', version: 'RTSP/1.0', statusCode: 454, reason: '', headers: [['CSeq', '3'], ['X-Long', 'first second']], body: '' }],
  },
  {
    name: 'blank lines between pipelined requests (CRLF keepalive)',
    wire: Buffer.from('\r\nOPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n\r\n\r\nTEARDOWN rtsp://h/a RTSP/1.0\r\nCSeq:2\r\nContent-Length: 2\r\n\r\nhi'),
    items: [
      { kind: 'request', method: 'OPTIONS', uri: '*', version: 'RTSP/1.0', headers: [['CSeq', '1']], body: '' },
      { kind: 'request', method: 'TEARDOWN', uri: 'rtsp://h/a', version: 'RTSP/1.0', headers: [['CSeq', '2'], ['Content-Length', '2']], body: 'hi' },
    ],
  },
];

/** Renders a reader item into plain data for deepEqual. */
export function normalize(item: { kind: string } & Record<string, unknown>): unknown {
  if (item.kind === 'interleaved') return { kind: 'interleaved', channel: item['channel'], payload: (item['payload'] as Buffer).toString('hex') };
  const { headers, body, ...rest } = item as unknown as { headers: Iterable<[string, string]>; body: Buffer };
  return { ...rest, headers: [...headers], body: body.toString('latin1') };
}
