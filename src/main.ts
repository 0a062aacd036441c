/**
 * The composition root: the one place that constructs and wires every part of a node.
 */
import type { ServeOptions } from './cli/serve-options.ts';
import type { Logger } from './log/logger.ts';
import { startRtmpListener, type RtmpListener } from './listeners/rtmp/rtmp-listener.ts';
import { startRtspListener, type RtspListener } from './listeners/rtsp/rtsp-listener.ts';
import { StreamRegistry } from './streams/registry.ts';

export interface NodePorts {
  rtmp: number | null;
  rtsp: number | null;
  compressedRtsp: number | null;
  api: number | null;
}

export interface RunningNode {
  readonly ports: NodePorts;
  close(): Promise<void>;
}

export async function startNode(options: ServeOptions, log: Logger): Promise<RunningNode> {
  const raw = new StreamRegistry('raw');
  const compressed = new StreamRegistry('compressed');
  const closers: (() => Promise<void> | void)[] = [];
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch (err) {
        log.warn('error while closing', { err: (err as Error).message });
      }
    }
    closers.length = 0;
  };
  closers.push(() => raw.close(), () => compressed.close());
  try {
    log.info('node starting', { role: options.role });
    const rtmp: RtmpListener = await startRtmpListener({ port: options.rtmpPort, host: options.host }, { registry: raw, log });
    closers.push(() => rtmp.close());
    const rtspRaw: RtspListener = await startRtspListener({ port: options.rtspPort, host: options.host }, { registry: raw, log });
    closers.push(() => rtspRaw.close());
    const rtspCompressed: RtspListener = await startRtspListener(
      { port: options.compressedRtspPort, host: options.host, allowPublish: true },
      { registry: compressed, log },
    );
    closers.push(() => rtspCompressed.close());
    return {
      ports: { rtmp: rtmp.port, rtsp: rtspRaw.port, compressedRtsp: rtspCompressed.port, api: null },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
