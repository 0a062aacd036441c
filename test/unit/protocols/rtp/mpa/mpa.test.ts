import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MpaDepacketizer } from '../../../../../protocols/rtp/mpa/depacketizer.ts';
import { MPA_PAYLOAD_TYPE, MpaPacketizer } from '../../../../../protocols/rtp/mpa/packetizer.ts';
import { RtpPacket } from '../../../../../protocols/rtp/packet.ts';
import { audioFrame, frameSummary, pushAll, rtp } from '../rtp-test-helpers.ts';

const IDENTITY = { ssrc: 8, initialSequenceNumber: 65535, timestampOffset: 12345 };

/** An MP3 frame with a real header (MPEG-1 layer III 128 kbps 44.1 kHz: 417 bytes) and filler. */
function mp3Frame(fill: number): Buffer {
  const f = Buffer.alloc(417, fill);
  Buffer.from('fffb9000', 'hex').copy(f);
  return f;
}
/** MPEG-2 layer III 32 kbps 22.05 kHz mono: 104 bytes, 576 samples. */
function lsfFrame(fill: number): Buffer {
  const f = Buffer.alloc(104, fill);
  Buffer.from('fff340c4', 'hex').copy(f);
  return f;
}

const cases: { name: string; mtu: number; frames: Buffer[]; packets: string[] }[] = [
  { name: 'one frame per packet', mtu: 1400, frames: [mp3Frame(1), mp3Frame(2)], packets: ['0/417', '0/417'] },
  { name: 'frame fragmented with Frag_offset', mtu: 200, frames: [mp3Frame(3)], packets: ['0/196', '196/196', '392/25'] },
  { name: 'frame of exactly MTU - 4 bytes', mtu: 421, frames: [mp3Frame(4)], packets: ['0/417'] },
];

for (const c of cases) {
  test(`MPA round trip: ${c.name}`, () => {
    const p = new MpaPacketizer({ ...IDENTITY, mtu: c.mtu });
    const frames = c.frames.map((f, i) => audioFrame(f, (i * 1152 * 1000) / 44100));
    const packets = frames.flatMap((f) => p.packetize(f));
    const decoded = packets.map((b) => RtpPacket.decode(b));
    assert.deepEqual(decoded.map((d) => `${d.payload.readUInt16BE(2)}/${d.payload.length - 4}`), c.packets);
    assert.ok(decoded.every((d) => d.payloadType === MPA_PAYLOAD_TYPE && d.payload.readUInt16BE(0) === 0));
    const d = new MpaDepacketizer();
    const out = pushAll(d, packets);
    // 1152 samples at 44.1 kHz = 2351.02 ticks of 90 kHz: the packetizer rounds, so compare loosely.
    assert.deepEqual(out.map((f) => f.payload), frames.map((f) => f.payload));
    out.forEach((f, i) => assert.ok(Math.abs(f.pts - frames[i]!.pts) < 0.02));
  });
}

test('MPA depacketizer: several frames in one packet get consecutive times (ffmpeg aggregates)', () => {
  const d = new MpaDepacketizer();
  const payload = Buffer.concat([Buffer.alloc(4), lsfFrame(1), lsfFrame(2), lsfFrame(3)]);
  const out = pushAll(d, [rtp(payload, 1, 9000, false, 14)]);
  assert.deepEqual(out.map(frameSummary).map((f) => f.pts), [0, 576000 / 22050, (2 * 576000) / 22050]);
  assert.equal(out.length, 3);
});

test('MPA depacketizer: lost fragment drops the frame; joining mid-frame is counted', () => {
  const p = new MpaPacketizer({ ...IDENTITY, mtu: 200 });
  const packets = [audioFrame(mp3Frame(1), 0), audioFrame(mp3Frame(2), 26.122)].flatMap((f) => p.packetize(f));
  const lost = new MpaDepacketizer();
  assert.equal(pushAll(lost, [packets[0]!, packets[2]!, ...packets.slice(3)]).length, 1);
  assert.equal(lost.stats.framesDropped, 1);
  const joined = new MpaDepacketizer();
  assert.equal(pushAll(joined, packets.slice(1)).length, 1);
  assert.equal(joined.stats.midFragmentJoins, 2);
});

test('MPA depacketizer: malformed payloads are counted', () => {
  const d = new MpaDepacketizer();
  pushAll(d, [rtp('0000', 1, 0, false, 14), rtp('00000000 49443304', 2, 0, false, 14), rtp(Buffer.concat([Buffer.alloc(4), lsfFrame(1), Buffer.from('fff340c4', 'hex')]), 3, 0, false, 14)]);
  assert.equal(d.stats.packetsMalformed, 3, 'too short, no sync, a second frame cut short');
  assert.equal(d.stats.framesOutput, 1);
});
