/**
 * H.264 depacketizer micro-benchmark: RTP packets (decoded with RtpPacket.decode) -> access units.
 * Prints packets/s, frames/s and MB/s of access-unit payload. No assertions.
 *
 * Run: node --import tsx bench/rtp/h264-depacketizer.bench.ts [--seconds 3]
 */
import { H264Depacketizer } from '../../protocols/rtp/h264/depacketizer.ts';
import { H264Packetizer } from '../../protocols/rtp/h264/packetizer.ts';
import { RtpPacket } from '../../protocols/rtp/packet.ts';
import { argSeconds, syntheticGop, timeLoop } from './h264-gop.ts';

const gop = syntheticGop();
const gopBytes = gop.reduce((n, f) => n + f.payload.length, 0);
// Several GOPs' worth of packets so sequence numbers and timestamps keep moving (wrap included).
const packetizer = new H264Packetizer({ ssrc: 1, initialSequenceNumber: 60000, timestampOffset: 0xfff00000 });
const GOPS = 8;
const wire: Buffer[] = [];
for (let g = 0; g < GOPS; g++) for (const f of gop) wire.push(...packetizer.packetize({ ...f, pts: f.pts + g * 1000 }));
const depacketizer = new H264Depacketizer();
const passTicks = GOPS * gop.length * 40 * 90;
let frames = 0;
let pass = 0;
const { iterations, elapsed } = timeLoop(argSeconds(3), () => {
  // Re-stamp sequence numbers and timestamps so every pass continues the previous one.
  for (const b of wire) {
    b.writeUInt16BE((b.readUInt16BE(2) + wire.length) & 0xffff, 2);
    b.writeUInt32BE((b.readUInt32BE(4) + passTicks) >>> 0, 4);
  }
  pass++;
  for (const b of wire) frames += depacketizer.push(RtpPacket.decode(b)).length;
});
const packets = iterations * wire.length;
console.log(`h264 depacketizer: ${(packets / elapsed).toFixed(0)} packets/s, ${(frames / elapsed).toFixed(0)} frames/s, ` +
  `${((iterations * GOPS * gopBytes) / elapsed / 1e6).toFixed(1)} MB/s (lost ${depacketizer.stats.packetsLost}, dropped ${depacketizer.stats.framesDropped}, late ${depacketizer.stats.packetsOutOfOrder}, passes ${pass})`);
