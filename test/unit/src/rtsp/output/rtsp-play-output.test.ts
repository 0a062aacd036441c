import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamRegistry } from '../../../../../src/streams/registry.ts';
import { DEFAULT_READER_QUEUE } from '../../../../../src/streams/reader-queue.ts';
import { RtspPlayOutput } from '../../../../../src/rtsp/output/rtsp-play-output.ts';
import type { RtspReaderTransport } from '../../../../../src/rtsp/transport/rtsp-reader-transport.ts';
import { silentLogger } from '../../../../../src/log/logger.ts';
import { joinLengthPrefixed, type Frame, type StreamDescription } from '../../../../../protocols/media/frame.ts';

// Two H.264 setups that differ only in their parameter sets (as a camera and its placeholder do).
const spsA = Buffer.from([0x67, 0x64, 0x00, 0x1e, 0xac, 0xd9, 0x40, 0xa0]);
const ppsA = Buffer.from([0x68, 0xeb, 0xe3, 0xcb]);
const spsB = Buffer.from([0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0x80, 0xbf]);
const ppsB = Buffer.from([0x68, 0xce, 0x3c, 0x80]);
const aac = { codec: 'aac' as const, sampleRate: 44100, channels: 1, config: Buffer.from([0x12, 0x08]) };
const camera: StreamDescription = { video: { codec: 'h264', sps: spsA, pps: ppsA, width: 640, height: 360 }, audio: aac };
const placeholder: StreamDescription = { video: { codec: 'h264', sps: spsB, pps: ppsB, width: 640, height: 360 }, audio: aac };

const idr = (dts: number): Frame => ({ track: 'video', dts, pts: dts, keyframe: true, payload: joinLengthPrefixed([Buffer.from([0x65, 0x88, 0x84, 0x00])]) });
const pFrame = (dts: number): Frame => ({ track: 'video', dts, pts: dts, keyframe: false, payload: joinLengthPrefixed([Buffer.from([0x41, 0x9a, 0x02])]) });

function fakeTransport() {
  const packets: Buffer[] = [];
  let closed: string | undefined;
  const t: RtspReaderTransport = {
    pendingBytes: 0,
    writev: (buffers) => void packets.push(...buffers),
    close: (reason) => void (closed = reason),
    sendRtcp: () => {},
    release: () => {},
  };
  return { t, packets, closed: () => closed };
}

function setup() {
  const reg = new StreamRegistry('raw', { unpublishedGraceMs: 60_000 });
  const pub = reg.publish('site1/cam1', { kind: 'rtmp', remote: 'camera' });
  pub.setDescription(camera);
  const output = new RtspPlayOutput(pub.stream, { now: Date.now, random: Math.random, log: silentLogger });
  const reader = fakeTransport();
  output.addReader(reader.t, { options: DEFAULT_READER_QUEUE, now: Date.now });
  return { reg, pub, output, reader };
}

const contains = (packets: readonly Buffer[], needle: Buffer): boolean => packets.some((p) => p.includes(needle));
const seqs = (packets: readonly Buffer[]): number[] => packets.map((p) => p.readUInt16BE(2));

test('a change of parameter sets only keeps RTSP readers: the new SPS/PPS go in-band before the next keyframe, sequence numbers continue', () => {
  const { reg, pub, output, reader } = setup();
  pub.pushFrame(idr(0));
  pub.pushFrame(pFrame(40));
  assert.ok(contains(reader.packets, spsA), "the camera's keyframe carries its SPS in-band");
  pub.close();
  const standIn = reg.publishStandIn('site1/cam1', 'placeholder');
  assert.ok(standIn !== null);
  standIn.setDescription(placeholder);
  const before = reader.packets.length;
  standIn.pushFrame(idr(0));
  assert.equal(reader.closed(), undefined, 'reader kept');
  const after = reader.packets.slice(before);
  assert.ok(contains(after, spsB) && contains(after, ppsB), "the placeholder's parameter sets are sent in-band");
  const s = seqs(reader.packets);
  for (let i = 1; i < s.length; i++) assert.equal(s[i], (s[i - 1]! + 1) & 0xffff, 'continuous sequence numbers');
  assert.match(JSON.stringify(output.described?.sdp), new RegExp(spsB.toString('base64').replace(/\+/g, '\\+')), 'joining readers get the new SDP');
  reg.close();
});

test('a keyframe that already carries its parameter sets is sent as is', () => {
  const { reg, pub, reader } = setup();
  pub.pushFrame({ ...idr(0), payload: joinLengthPrefixed([spsA, ppsA, Buffer.from([0x65, 0x88, 0x84, 0x00])]) });
  const all = Buffer.concat(reader.packets);
  assert.equal(all.indexOf(spsA), all.lastIndexOf(spsA), 'SPS once');
  reg.close();
});

test('a codec or audio configuration change still closes RTSP readers (their SDP cannot follow)', () => {
  for (const next of [
    { video: { codec: 'h265' as const, vps: Buffer.from([0x40, 0x01, 0x0c]), sps: Buffer.from([0x42, 0x01, 0x01]), pps: Buffer.from([0x44, 0x01, 0xc1]) }, audio: aac },
    { ...camera, audio: { ...aac, sampleRate: 48000, config: Buffer.from([0x11, 0x88]) } },
  ]) {
    const { reg, pub, reader } = setup();
    pub.pushFrame(idr(0));
    pub.setDescription(next);
    assert.equal(reader.closed(), 'stream codec parameters changed');
    reg.close();
  }
});

test("sender reports keep one media-to-wall mapping: arrival jitter and a publisher change do not move the readers' clock", () => {
  let now = 1_000_000;
  const reg = new StreamRegistry('raw', { unpublishedGraceMs: 60_000, now: () => now });
  const pub = reg.publish('site1/cam1', { kind: 'rtmp', remote: 'camera' });
  pub.setDescription(camera);
  const output = new RtspPlayOutput(pub.stream, { now: () => now, random: Math.random, log: silentLogger });
  const reports: Buffer[] = [];
  const reader = fakeTransport();
  reader.t.sendRtcp = (track, packet) => void (track === 'video' && reports.push(packet));
  output.addReader(reader.t, { options: DEFAULT_READER_QUEUE, now: () => now });
  const rtpOf = (sr: Buffer): number => sr.readUInt32BE(16);
  const ntpMsOf = (sr: Buffer): number => (sr.readUInt32BE(8) + sr.readUInt32BE(12) / 2 ** 32) * 1000;
  let dts = 0;
  const step = (jitterMs: number): void => {
    now += 40 + jitterMs;
    dts += 40;
    pub.pushFrame(dts === 40 ? idr(dts) : pFrame(dts));
  };
  for (let i = 0; i < 10; i++) step(0);
  output.sendReports();
  for (let i = 0; i < 10; i++) step(i % 2 === 0 ? 15 : -15); // frames arrive 15 ms late or early
  output.sendReports();
  // A new publisher: rebased 40 ms after the last frame although it came 5 ms later.
  pub.close();
  const next = reg.publish('site1/cam1', { kind: 'rtmp', remote: 'camera' });
  next.setDescription(camera);
  now += 5;
  next.pushFrame(idr(0));
  for (let i = 1; i < 10; i++) {
    now += 40;
    next.pushFrame(pFrame(i * 40));
  }
  output.sendReports();
  assert.equal(reports.length, 3);
  for (let i = 1; i < reports.length; i++) {
    const rtpMs = (((rtpOf(reports[i]!) - rtpOf(reports[i - 1]!)) >>> 0) / 90_000) * 1000;
    const wallMs = ntpMsOf(reports[i]!) - ntpMsOf(reports[i - 1]!);
    assert.ok(Math.abs(rtpMs - wallMs) < 1, `report ${i}: RTP advanced ${rtpMs} ms, NTP ${wallMs} ms`);
  }
  reg.close();
});

test('a reader joining mid-GOP gets, from the keyframe on, the very packets the first reader got (sequence numbers, in-band SPS, audio), then the live ones', () => {
  const { pub, output, reader } = setup();
  const audio = (dts: number): Frame => ({ track: 'audio', dts, pts: dts, keyframe: true, payload: Buffer.alloc(200, dts & 0xff) });
  pub.pushFrame(idr(0)); // the first reader joined before this GOP
  pub.pushFrame(audio(10));
  pub.pushFrame(pFrame(40));
  const fromKey = reader.packets.length;
  pub.pushFrame(idr(80)); // a whole GOP went by without a join
  pub.pushFrame(audio(90));
  pub.pushFrame(pFrame(120));
  pub.pushFrame(audio(130));
  assert.equal(output.keepingGop, false, 'no join during the last GOP: the output keeps no copy of this one');
  const late = fakeTransport();
  const [video] = output.startInfo([{ trackIndex: 0, kind: 'video' }]);
  output.addReader(late.t, { options: DEFAULT_READER_QUEUE, now: Date.now });
  assert.deepEqual(late.packets, reader.packets.slice(fromKey), 'same bytes, same order');
  assert.equal(video?.seq, reader.packets[fromKey]!.readUInt16BE(2), "RTP-Info's seq is the replayed keyframe's");
  assert.ok(contains(late.packets, spsA), 'the replayed keyframe carries the SPS in-band');
  assert.equal(output.keepingGop, true);
  pub.pushFrame(pFrame(160));
  assert.deepEqual(late.packets.at(-1), reader.packets.at(-1), 'then the live packets, continuing the sequence');
  assert.equal(seqs(late.packets).at(-1), (seqs(late.packets).at(-3)! + 1) & 0xffff, 'video sequence numbers continue across replay and live');
});
