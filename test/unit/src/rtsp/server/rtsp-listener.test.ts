/**
 * The RTSP listener in-process on 127.0.0.1 port 0, a stream published straight into the registry
 * and a raw TCP reader: the session timeout is announced, RTCP sender reports arrive periodically
 * on each track's RTCP channel with the RTP stream's SSRC and growing counts, PAUSE stops the RTP
 * flow and PLAY resumes it, SET_PARAMETER / GET_PARAMETER work as keepalives.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { RtspMessageReader } from '../../../../../protocols/rtsp/message/message-reader.ts';
import type { InterleavedFrame, RtspResponse } from '../../../../../protocols/rtsp/message/rtsp-message.ts';
import { RtpPacket } from '../../../../../protocols/rtp/packet.ts';
import { parseRtcpCompound } from '../../../../../protocols/rtp/rtcp/compound.ts';
import type { SenderReport } from '../../../../../protocols/rtp/rtcp/sender-report.ts';
import type { StreamDescription } from '../../../../../protocols/media/frame.ts';
import { startRtspListener, type RtspListener } from '../../../../../src/rtsp/server/rtsp-listener.ts';
import { silentLogger } from '../../../../../src/log/logger.ts';
import { StreamRegistry } from '../../../../../src/streams/registry.ts';
import { AAC_LC_44100_MONO, au, H264_IDR, H264_NON_IDR, H264_PPS, H264_SPS } from '../../../protocols/flv/fixtures.ts';
import { until } from '../../../../helpers/wait.ts';

const registry = new StreamRegistry('raw', { unpublishedGraceMs: 200 });
let listener: RtspListener;
const timers: NodeJS.Timeout[] = [];
const sockets: net.Socket[] = [];

after(async () => {
  for (const t of timers) clearInterval(t);
  for (const s of sockets) s.destroy();
  await listener?.close();
  registry.close();
});

const DESC: StreamDescription = {
  video: { codec: 'h264', sps: H264_SPS, pps: H264_PPS },
  audio: { codec: 'aac', sampleRate: 44100, channels: 1, config: AAC_LC_44100_MONO },
};

/** Publishes `path` and keeps feeding it a 40 ms video + audio step until the test ends. */
function publish(path: string): void {
  const pub = registry.publish(path, { kind: 'rtmp', remote: 'test' });
  pub.setDescription(DESC);
  let n = 0;
  const step = (): void => {
    const dts = n * 40;
    const key = n % 10 === 0;
    pub.pushFrame({ track: 'video', dts, pts: dts, keyframe: key, payload: au(key ? H264_IDR : H264_NON_IDR, Buffer.alloc(30, n & 0xff)) });
    pub.pushFrame({ track: 'audio', dts: dts + 1, pts: dts + 1, keyframe: true, payload: Buffer.from('2110', 'hex') });
    n++;
  };
  step();
  timers.push(setInterval(step, 10));
}

class RawReader {
  readonly socket: net.Socket;
  readonly responses: RtspResponse[] = [];
  readonly frames: InterleavedFrame[] = [];
  #cseq = 0;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    sockets.push(this.socket);
    const reader = new RtspMessageReader((item) => {
      if (item.kind === 'response') this.responses.push(item);
      else if (item.kind === 'interleaved') this.frames.push({ kind: 'interleaved', channel: item.channel, payload: Buffer.from(item.payload) });
    });
    this.socket.on('data', (d: Buffer) => reader.push(d));
    this.socket.on('error', () => {});
  }

  async request(method: string, uri: string, headers: Record<string, string> = {}, body = ''): Promise<RtspResponse> {
    const cseq = String(++this.#cseq);
    let head = `${method} ${uri} RTSP/1.0\r\nCSeq: ${cseq}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    if (body !== '') head += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
    this.socket.write(`${head}\r\n${body}`);
    await this.until(() => this.responses.some((r) => r.headers.get('CSeq') === cseq), `${method} answered`);
    return this.responses.find((r) => r.headers.get('CSeq') === cseq)!;
  }

  /** Polls `done` (bounded: about 5 s). */
  async until(done: () => boolean, what: string): Promise<void> {
    await until(done, what);
  }

  reports(channel: number): SenderReport[] {
    return this.frames
      .filter((f) => f.channel === channel)
      .flatMap((f) => parseRtcpCompound(f.payload))
      .flatMap((p) => (p.type === 'sr' ? [p] : []));
  }
}

test('RTCP sender reports arrive periodically per track; PAUSE stops RTP, PLAY resumes; keepalives; timeout announced', async () => {
  listener = await startRtspListener({ port: 0, host: '127.0.0.1', rtcpIntervalMs: 100, sessionTimeoutSec: 30 }, { registry, log: silentLogger });
  const path = 'site1/cam1';
  publish(path);
  const url = `rtsp://127.0.0.1:${listener.port}/${path}`;
  const c = new RawReader(listener.port);
  const describe = await c.request('DESCRIBE', url, { Accept: 'application/sdp' });
  assert.equal(describe.statusCode, 200);
  const setup = await c.request('SETUP', `${url}/trackID=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' });
  assert.equal(setup.statusCode, 200);
  assert.match(setup.headers.get('Session') ?? '', /;timeout=30$/, 'session timeout announced');
  const session = setup.headers.get('Session')!.split(';')[0]!;
  assert.equal((await c.request('SETUP', `${url}/trackID=1`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=2-3', Session: session })).statusCode, 200);
  const play = await c.request('PLAY', url, { Session: session });
  assert.equal(play.statusCode, 200);
  assert.match(play.headers.get('RTP-Info') ?? '', /seq=\d+;rtptime=\d+/);

  await c.until(() => c.reports(1).length >= 3 && c.reports(3).length >= 2, 'several sender reports on both RTCP channels');
  const videoSsrc = RtpPacket.decode(c.frames.find((f) => f.channel === 0)!.payload).ssrc;
  const audioSsrc = RtpPacket.decode(c.frames.find((f) => f.channel === 2)!.payload).ssrc;
  const video = c.reports(1);
  assert.ok(video.every((r) => r.ssrc === videoSsrc), 'video SR carries the video SSRC');
  assert.ok(c.reports(3).every((r) => r.ssrc === audioSsrc), 'audio SR carries the audio SSRC');
  for (let i = 1; i < video.length; i++) {
    assert.ok(video[i]!.packetCount >= video[i - 1]!.packetCount, 'packet count never goes back');
    assert.ok(video[i]!.ntp.seconds * 2 ** 32 + video[i]!.ntp.fraction > video[i - 1]!.ntp.seconds * 2 ** 32 + video[i - 1]!.ntp.fraction, 'NTP time advances');
  }
  assert.ok(video.at(-1)!.packetCount > video[0]!.packetCount, 'packets were counted');
  const unixSeconds = video.at(-1)!.ntp.seconds - 2_208_988_800;
  assert.ok(Math.abs(unixSeconds - Date.now() / 1000) < 60, 'NTP timestamp is wall-clock time');

  assert.equal((await c.request('GET_PARAMETER', url, { Session: session })).statusCode, 200);
  assert.equal((await c.request('SET_PARAMETER', url, { Session: session })).statusCode, 200, 'empty SET_PARAMETER is a keepalive');
  assert.equal((await c.request('SET_PARAMETER', url, { Session: session, 'Content-Type': 'text/parameters' }, 'barparam: barstuff\r\n')).statusCode, 451);

  assert.equal((await c.request('PAUSE', url, { Session: session })).statusCode, 200);
  const pausedAt = c.frames.length;
  // Let frames keep arriving at the registry: the paused session must not get RTP.
  const streamFrames = registry.get(path)!.stats.framesIn;
  await c.until(() => registry.get(path)!.stats.framesIn >= streamFrames + 20, 'the stream keeps flowing');
  assert.equal(c.frames.slice(pausedAt).filter((f) => f.channel === 0 || f.channel === 2).length, 0, 'no RTP while paused');

  const resume = await c.request('PLAY', url, { Session: session });
  assert.equal(resume.statusCode, 200);
  await c.until(() => c.frames.slice(pausedAt).some((f) => f.channel === 0), 'RTP flows again after PLAY');
  assert.equal((await c.request('TEARDOWN', url, { Session: session })).statusCode, 200);
});
