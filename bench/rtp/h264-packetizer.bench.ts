/**
 * H.264 packetizer micro-benchmark: access units -> RTP packets (FU-A/STAP-A), 1400-byte MTU.
 * Prints frames/s, packets/s and MB/s of access-unit payload. No assertions.
 *
 * Run: node --import tsx bench/rtp/h264-packetizer.bench.ts [--seconds 3]
 */
import { H264Packetizer } from '../../protocols/rtp/h264/packetizer.ts';
import { argSeconds, syntheticGop, timeLoop } from './h264-gop.ts';

const gop = syntheticGop();
const gopBytes = gop.reduce((n, f) => n + f.payload.length, 0);
const packetizer = new H264Packetizer({ ssrc: 1, initialSequenceNumber: 0, timestampOffset: 0, sps: Buffer.alloc(20, 0x67), pps: Buffer.alloc(5, 0x68) });
let packets = 0;
let pts = 0;
const { iterations, elapsed } = timeLoop(argSeconds(3), () => {
  for (const f of gop) {
    packets += packetizer.packetize({ ...f, pts: pts, dts: pts }).length;
    pts += 40;
  }
});
const frames = iterations * gop.length;
console.log(`h264 packetizer: ${(frames / elapsed).toFixed(0)} frames/s, ${(packets / elapsed).toFixed(0)} packets/s, ` +
  `${((iterations * gopBytes) / elapsed / 1e6).toFixed(1)} MB/s (${(gopBytes / 1e3).toFixed(0)} KB GOPs of ${gop.length} frames)`);
