/**
 * The composition root: the one place that constructs and wires every part of a node.
 */
import type { ServeOptions } from './cli/serve-options.ts';
import type { Logger } from './log/logger.ts';
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
  log.info('node starting', { role: options.role });
  return {
    ports: { rtmp: null, rtsp: null, compressedRtsp: null, api: null },
    async close() {
      raw.close();
      compressed.close();
    },
  };
}
