/**
 * The listeners of a node with cameras (slave, master): Factory 1 (RTMP; RTSP with RECORD, for
 * cameras that push RTSP) and Factory 2 (RTSP; RECORD for a remote compressor), and each one's TLS
 * twin when its port is set. Every listener is kept bound on its own (KeptListeners); `ports` is
 * updated as they bind.
 */
import type { AccessControl } from '../access/access-control.ts';
import type { Settings } from '../config/settings.ts';
import { rtspAuth } from '../core/factory-auth.ts';
import type { NodePorts } from '../core/node-endpoints.ts';
import type { Logger } from '../log/logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { InputBudget } from '../net/input-budget.ts';
import { portOf, type KeptListeners } from '../net/keep-listening.ts';
import type { TlsCertificate } from '../net/tls-certificate.ts';
import { startRtmpListener, type RtmpListenerOptions } from '../rtmp/server/rtmp-listener.ts';
import { startRtspListener, type RtspAuthOptions } from '../rtsp/server/rtsp-listener.ts';
import type { ReaderQueueOptions } from '../streams/reader-queue.ts';
import type { StreamRegistry } from '../streams/registry.ts';

export interface FactoryListenersDeps {
  readonly settings: Settings;
  readonly log: Logger;
  readonly access: AccessControl;
  readonly metrics: Metrics;
  readonly raw: StreamRegistry;
  readonly compressed: StreamRegistry;
  readonly inputBudget: InputBudget;
  readonly readerQueue: ReaderQueueOptions;
  /** Who may push to Factory 2 (compressedPushAuth); undefined: nobody but the operator's service. */
  readonly pushAuth: RtspAuthOptions | undefined;
  /** The TLS listeners' certificate; undefined: no TLS listener. */
  readonly certificate: TlsCertificate | undefined;
  readonly listeners: KeptListeners;
  /** Filled in with the bound ports (again each time a listener that was down comes up). */
  readonly ports: NodePorts;
}

export async function startFactoryListeners(d: FactoryListenersDeps): Promise<void> {
  const { settings, log, access, metrics, raw, compressed, inputBudget, readerQueue, pushAuth, certificate, listeners, ports } = d;
  const bindHost = settings.node.bindHost;
  const lim = settings.limits;
  const keep = listeners.keep.bind(listeners);
  const admission = {
    maxConnections: lim.maxConnections,
    maxConnectionsPerIp: lim.maxConnectionsPerIp,
    ...(lim.maxUnauthorisedConnections !== undefined ? { maxUnauthorisedConnections: lim.maxUnauthorisedConnections } : {}),
    firstRequestTimeoutMs: lim.firstRequestTimeoutMs,
    authoriseTimeoutMs: lim.authoriseTimeoutMs,
  };
  const rtspLimits = { sessionTimeoutSec: lim.rtspSessionTimeoutSec, mtu: lim.rtpMtu, ...admission, readerQueue };
  const rawRead = settings.factories.raw.auth.read;
  const rawSettings = settings.factories.raw;
  const compressedSettings = settings.factories.compressed;
  const rtmpOptions = (port: number): RtmpListenerOptions => ({
    port,
    host: bindHost,
    handshakeTimeoutMs: lim.rtmpHandshakeTimeoutMs,
    idleTimeoutMs: lim.rtmpIdleTimeoutMs,
    ...admission,
    limits: { maxBufferedBytes: lim.maxConnectionInputBytes },
    readerQueue,
    // RTMP play honours the same read credentials as RTSP (security issue 17.9), as ?user=&pass=.
    ...(rawRead !== undefined ? { readCredentials: { user: rawRead.user, pass: rawRead.pass } } : {}),
    access,
  });
  const rtmp = await keep('rtmp', bindHost, rawSettings.rtmpPort, () =>
    startRtmpListener(rtmpOptions(rawSettings.rtmpPort), { registry: raw, log, metrics: metrics.forListener('rtmp', 'raw'), inputBudget }),
  );
  const rtspRaw = await keep('rtsp-raw', bindHost, rawSettings.rtspPort, () =>
    startRtspListener(
      // Cameras that push RTSP (ANNOUNCE/RECORD) land in Factory 1 like RTMP ones, under the same
      // publish policy (known camera and key, or auto-registration).
      { port: rawSettings.rtspPort, host: bindHost, allowPublish: true, auth: rtspAuth(rawSettings.auth, lim.rtspDigestNonceLifetimeSec), access, ...rtspLimits },
      { registry: raw, log, metrics: metrics.forListener('rtsp', 'raw'), inputBudget },
    ),
  );
  const compressedRead = rtspAuth(compressedSettings.auth, lim.rtspDigestNonceLifetimeSec).read;
  const compressedAuth = { ...(compressedRead !== undefined ? { read: compressedRead } : {}), ...(pushAuth !== undefined ? { publish: pushAuth } : {}) };
  const rtspCompressed = await keep('rtsp-compressed', bindHost, compressedSettings.rtspPort, () =>
    startRtspListener(
      { port: compressedSettings.rtspPort, host: bindHost, allowPublish: true, auth: compressedAuth, access, ...rtspLimits },
      { registry: compressed, log, metrics: metrics.forListener('rtsp', 'compressed'), inputBudget },
    ),
  );
  if (pushAuth === undefined && !access.external) {
    log.info('Factory 2 refuses remote RTSP pushes (ANNOUNCE/RECORD): to let a compressor role push, set api.token (--api-token; the compressor sends it) or factories.compressed.auth.publish');
  }
  // The TLS twins of the three listeners: the same listener code with the certificate; RTSPS
  // is TCP interleaved only. Each is off unless its port is set.
  const tlsPort = (p: number | undefined): number | undefined => (certificate === undefined ? undefined : p);
  const rtmpsPort = tlsPort(rawSettings.rtmpsPort);
  const rtspsRawPort = tlsPort(rawSettings.rtspsPort);
  const rtspsCompressedPort = tlsPort(compressedSettings.rtspsPort);
  const rtmps =
    rtmpsPort === undefined
      ? undefined
      : await keep('rtmps', bindHost, rtmpsPort, () =>
          startRtmpListener({ ...rtmpOptions(rtmpsPort), tls: certificate! }, { registry: raw, log, metrics: metrics.forListener('rtmps', 'raw'), inputBudget }),
        );
  const rtspsRaw =
    rtspsRawPort === undefined
      ? undefined
      : await keep('rtsps-raw', bindHost, rtspsRawPort, () =>
          startRtspListener(
            { port: rtspsRawPort, host: bindHost, allowPublish: true, auth: rtspAuth(rawSettings.auth, lim.rtspDigestNonceLifetimeSec), access, ...rtspLimits, tls: certificate! },
            { registry: raw, log, metrics: metrics.forListener('rtsps', 'raw'), inputBudget },
          ),
        );
  const rtspsCompressed =
    rtspsCompressedPort === undefined
      ? undefined
      : await keep('rtsps-compressed', bindHost, rtspsCompressedPort, () =>
          startRtspListener(
            { port: rtspsCompressedPort, host: bindHost, allowPublish: true, auth: compressedAuth, access, ...rtspLimits, tls: certificate! },
            { registry: compressed, log, metrics: metrics.forListener('rtsps', 'compressed'), inputBudget },
          ),
        );
  const mediaPorts = (): void => {
    ports.rtmp = portOf(rtmp, rawSettings.rtmpPort);
    ports.rtsp = portOf(rtspRaw, rawSettings.rtspPort);
    ports.compressedRtsp = portOf(rtspCompressed, compressedSettings.rtspPort);
    ports.rtmps = rtmps === undefined ? null : portOf(rtmps, rtmpsPort!);
    ports.rtsps = rtspsRaw === undefined ? null : portOf(rtspsRaw, rtspsRawPort!);
    ports.compressedRtsps = rtspsCompressed === undefined ? null : portOf(rtspsCompressed, rtspsCompressedPort!);
  };
  mediaPorts();
  listeners.whenUp(mediaPorts);
}
