/**
 * A WHEP session against a second, independent WebRTC peer (werift as the client) in one process,
 * so what a session holds can be counted with process.getActiveResourcesInfo(): the UDP sockets
 * (UDPWrap) and timers (Timeout) of both peers must be back to the baseline after each way a
 * session ends (client DELETE, stream gone). The browser test (test/e2e/webrtc-whep.test.ts)
 * counts the server's UDP sockets in /proc; this one also counts its timers.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { RTCPeerConnection, RTCRtpCodecParameters, type RtpPacket } from 'werift';
import { joinLengthPrefixed, type Frame } from '../../protocols/media/frame.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { StreamRegistry, type Publication } from '../../src/streams/registry.ts';
import { WhepService, type WebrtcMetrics } from '../../src/webrtc/whep-service.ts';
import { withoutDefaultStun } from '../../src/webrtc/whep-session.ts';
import { waitFor } from '../helpers/server.ts';

const SPS = Buffer.from('6742c01e', 'hex');
const PPS = Buffer.from('68ce3c80', 'hex');

function resources(): { udp: number; timers: number } {
  const list = process.getActiveResourcesInfo();
  return { udp: list.filter((r) => r === 'UDPWrap').length, timers: list.filter((r) => r === 'Timeout').length };
}

describe('WHEP session with a werift client: nothing survives it', () => {
  const registries = { raw: new StreamRegistry('raw', { unpublishedGraceMs: 0 }), compressed: new StreamRegistry('compressed') };
  const counted = { opened: 0, closed: 0, bytes: 0, packets: 0, lost: 0 };
  const metrics: WebrtcMetrics = {
    sessionOpened: () => void counted.opened++,
    sessionClosed: () => void counted.closed++,
    sessionRefused: () => {},
    bytesSent: (_f, bytes, packets) => {
      counted.bytes += bytes;
      counted.packets += packets;
    },
    packetsLost: (_f, n) => void (counted.lost += n),
  };
  const service = new WhepService({
    metrics,
    registries,
    maxSessions: 4,
    ice: { hostAddresses: ['127.0.0.1'], bindAddress: '127.0.0.1', portRange: undefined, stunServers: [] },
    advertisedHosts: [],
    readerQueue: { maxPendingBytes: 1e6, maxDroppingMs: 1000 },
    log: silentLogger,
  });
  let pub: Publication | undefined;
  let feeder: NodeJS.Timeout | undefined;
  after(() => {
    clearInterval(feeder);
    service.close();
    pub?.close();
    registries.raw.close();
    registries.compressed.close();
  });

  const startCamera = (): void => {
    pub = registries.raw.publish('site1/cam1', { kind: 'internal', remote: 'test' });
    pub.setDescription({ video: { codec: 'h264', sps: SPS, pps: PPS, width: 320, height: 240, profile: 66 } });
    let n = 0;
    feeder = setInterval(() => {
      const key = n % 10 === 0;
      const pts = n * 40;
      const frame: Frame = { track: 'video', dts: pts, pts, keyframe: key, payload: joinLengthPrefixed([Buffer.concat([Buffer.from([key ? 0x65 : 0x41]), Buffer.alloc(key ? 3000 : 300, n & 0xff)])]) };
      pub!.pushFrame(frame);
      n++;
    }, 40);
  };

  /** Opens a session from a werift client; resolves once RTP arrives, with its first packet. */
  const open = async (inboundLossPercent = 0): Promise<{ client: RTCPeerConnection; id: string; first: RtpPacket }> => {
    const client = new RTCPeerConnection({
      // werift's debug knob keeps a packet when inboundPacketLoss/100 >= Math.random(): 80 drops ~20 %.
      // With loss, the client offers no NACK feedback: the server's retransmissions would fill the
      // gaps its receiver reports are to show (werift 0.22.9 has no working `disableSendNack`: with
      // it, every gap was NACKed and refilled, and only an RR sent before the refill showed loss).
      ...(inboundLossPercent > 0 ? { debug: { inboundPacketLoss: 100 - inboundLossPercent } } : {}),
      codecs: {
        video: [
          new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, rtcpFeedback: inboundLossPercent > 0 ? [] : [{ type: 'nack' }], parameters: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1' }),
        ],
      },
      iceServers: [],
      iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], iceInterfaceAddresses: { udp4: '127.0.0.1', udp6: '::1' } });
    const t = client.addTransceiver('video', { direction: 'recvonly' });
    const first = new Promise<RtpPacket>((resolve) => t.onTrack.subscribe((track) => track.onReceiveRtp.once((rtp) => resolve(rtp))));
    const offer = await client.createOffer();
    withoutDefaultStun(client); // the client too: else it queries Google's STUN server (see whep-session.ts)
    await client.setLocalDescription(offer);
    await waitFor(() => client.iceGatheringState === 'complete', 5000, 'client ICE gathering');
    const answer = await service.offer('raw', 'site1/cam1', client.localDescription!.sdp, '127.0.0.1:1');
    await client.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    let timer: NodeJS.Timeout | undefined;
    try {
      const rtp = await Promise.race([first, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no RTP within 15 s')), 15_000)))]);
      return { client, id: answer.id, first: rtp };
    } finally {
      clearTimeout(timer); // counted below: the test's own timers must go too
    }
  };

  it('starts at the keyframe (SPS/PPS first) and leaves no socket or timer after DELETE', async () => {
    const baseline = resources();
    startCamera();
    const s = await open();
    // The first packet a session gets is the GOP's: the STAP-A with SPS and PPS before the IDR.
    assert.equal(s.first.payload[0]! & 0x1f, 24, 'STAP-A first');
    assert.equal(service.list()[0]?.connected, true);
    assert.ok(resources().udp > baseline.udp);
    // WHEP PATCH: a trickled candidate is taken (a connected session keeps its pair).
    assert.equal(await service.trickle(s.id, 'a=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n'), true);
    assert.equal(await service.trickle('nope', ''), false);
    assert.equal(service.end(s.id), true);
    assert.equal(service.sessionCount, 0);
    await s.client.close();
    clearInterval(feeder);
    pub!.close();
    pub = undefined;
    await waitFor(() => {
      const now = resources();
      return now.udp <= baseline.udp && now.timers <= baseline.timers;
    }, 10_000, `sockets and timers back to ${JSON.stringify(baseline)} (now ${JSON.stringify(resources())})`);
  });

  it('with no STUN server configured, sends UDP only to the peer (werift\'s default Google STUN server is not used)', async () => {
    // Every UDP datagram of this process during a session (server and client peers): werift's
    // sockets send with (msg, port, address[, callback]).
    const sent: string[] = [];
    const original = dgram.Socket.prototype.send;
    const record = function (this: dgram.Socket, ...args: unknown[]): void {
      const port = args.find((a, i) => i > 0 && typeof a === 'number');
      const address = args.find((a, i) => i > 0 && typeof a === 'string');
      sent.push(`${String(address)}:${String(port)}`);
      (original as (...a: unknown[]) => void).apply(this, args);
    };
    dgram.Socket.prototype.send = record as typeof original;
    startCamera();
    let s: Awaited<ReturnType<typeof open>> | undefined;
    try {
      s = await open();
    } finally {
      dgram.Socket.prototype.send = original;
      if (s !== undefined) {
        service.end(s.id);
        await s.client.close();
      }
      clearInterval(feeder);
      pub!.close();
      pub = undefined;
    }
    assert.ok(sent.length > 0, 'the ICE checks and media were seen');
    const elsewhere = sent.filter((d) => !d.startsWith('127.0.0.1:'));
    assert.deepEqual([...new Set(elsewhere)], [], 'datagrams to anything but the peer');
  });

  it('the session ends when the stream goes away, nothing left', async () => {
    const baseline = resources();
    startCamera();
    const s = await open();
    clearInterval(feeder);
    pub!.close(); // unpublishedGraceMs 0: the stream ends at once
    pub = undefined;
    await waitFor(() => service.sessionCount === 0, 10_000, 'session ended with the stream');
    await s.client.close();
    await waitFor(() => {
      const now = resources();
      return now.udp <= baseline.udp && now.timers <= baseline.timers;
    }, 10_000, `sockets and timers back to ${JSON.stringify(baseline)} (now ${JSON.stringify(resources())})`);
  });

  it('counts the session, bytes and packets sent', async () => {
    const before = { ...counted };
    startCamera();
    const s = await open();
    await waitFor(() => counted.packets > before.packets || service.list()[0]?.connected === true, 10_000, 'packets sent');
    assert.equal(service.end(s.id), true);
    await s.client.close();
    clearInterval(feeder);
    pub!.close();
    pub = undefined;
    assert.equal(counted.opened - before.opened, 1);
    assert.equal(counted.closed - before.closed, 1);
    assert.ok(counted.packets > before.packets && counted.bytes > before.bytes, 'sent bytes folded in at the end');
  });

  it('counts the packets the receiver reports lost (RTCP RR)', async () => {
    const before = { ...counted };
    startCamera();
    const s = await open(20);
    try {
      // ~28 packets a second, a fifth of them dropped: ten lost within a few seconds.
      await waitFor(() => counted.lost - before.lost >= 10, 20_000, 'ten packets lost reported by the client\'s receiver reports');
    } finally {
      service.end(s.id);
      await s.client.close();
      clearInterval(feeder);
      pub!.close();
      pub = undefined;
    }
    const lost = counted.lost - before.lost;
    const sent = counted.packets - before.packets;
    assert.ok(sent > 0 && lost < sent / 2, `${lost} lost of ${sent} sent: about a fifth, not more than were sent`);
  });
});
