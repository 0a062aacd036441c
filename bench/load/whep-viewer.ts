/**
 * A WebRTC viewer for load: a werift peer (the same client as test/interop/whep-werift.test.ts)
 * that POSTs a recvonly H.264 offer to a WHEP endpoint, takes the answer and counts the RTP it
 * receives (header + payload bytes after SRTP decryption; werift sends the RTCP receiver reports
 * and NACKs a browser would). It does not decode. close() DELETEs the session and closes the peer.
 */
import { RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import { nowUs } from './stamp.ts';
import { ReaderStats } from './reader-stats.ts';
import { withoutDefaultStun } from '../../src/webrtc/whep-session.ts';

const GATHER_TIMEOUT_MS = 2000;
const RTP_HEADER = 12;

export class WhepViewer {
  readonly stats = new ReaderStats();
  packets = 0;
  readonly #pc: RTCPeerConnection;
  #location: string | undefined;
  #closed = false;

  constructor(url: string) {
    this.stats.connectStartUs = nowUs();
    this.#pc = new RTCPeerConnection({
      codecs: {
        video: [
          new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, rtcpFeedback: [{ type: 'nack' }], parameters: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1' }),
        ],
      },
      iceServers: [],
      iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], iceInterfaceAddresses: { udp4: '127.0.0.1', udp6: '::1' },
    });
    const t = this.#pc.addTransceiver('video', { direction: 'recvonly' });
    t.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => {
      this.stats.bytes += RTP_HEADER + rtp.payload.length;
      this.packets++;
      if (this.stats.firstKeyframeUs === 0) this.stats.firstKeyframeUs = nowUs();
    }));
    this.#start(url).catch((e: unknown) => {
      this.stats.error ??= String((e as Error).message ?? e);
      this.close();
    });
  }

  async #start(url: string): Promise<void> {
    const pc = this.#pc;
    const offer = await pc.createOffer();
    withoutDefaultStun(pc); // else werift queries Google's STUN server and waits for it (up to 5 s)
    await pc.setLocalDescription(offer);
    const deadline = Date.now() + GATHER_TIMEOUT_MS;
    for (let i = 0; i < 200 && pc.iceGatheringState !== 'complete' && Date.now() < deadline; i++) await new Promise((r) => setTimeout(r, 10));
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: pc.localDescription!.sdp, signal: AbortSignal.timeout(10_000) });
    if (res.status !== 201) throw new Error(`WHEP POST ${res.status}: ${(await res.text()).slice(0, 200)}`);
    this.#location = new URL(res.headers.get('location') ?? '', url).href;
    this.stats.playingUs = nowUs();
    if (this.#closed) return this.close();
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  }

  close(): void {
    if (!this.#closed) {
      this.#closed = true;
      this.stats.closed = true;
      this.#pc.close().catch(() => {});
    }
    const l = this.#location;
    this.#location = undefined;
    if (l !== undefined) fetch(l, { method: 'DELETE', signal: AbortSignal.timeout(5000) }).catch(() => {});
  }
}
