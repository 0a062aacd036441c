/**
 * This node's endpoints for URL management: itself on the ports its listeners bound, and its peer
 * on the media ports the peer announced (learnt from its API by the peer watch or the replication),
 * else the configured ones.
 */
import type { Settings } from '../config/settings.ts';
import type { UpstreamPorts } from '../replication/upstream-api.ts';
import { peerEndpoint, selfEndpoint, withLearntPorts, type NodeEndpoint } from './urls.ts';

/** The ports a node's listeners are bound to (null: not served by this role, off, or not bound yet). */
export interface NodePorts {
  rtmp: number | null;
  rtsp: number | null;
  compressedRtsp: number | null;
  api: number | null;
  /** TLS listeners: null when off (or, for port 0, not bound yet). */
  rtmps: number | null;
  rtsps: number | null;
  compressedRtsps: number | null;
}

export class NodeEndpoints {
  readonly #settings: Settings;
  readonly #ports: Readonly<NodePorts>;
  readonly #changed: (endpoints: NodeEndpoint[]) => void;
  #learntPeerPorts: UpstreamPorts | null = null;
  #apiPort: number | undefined;

  /** `changed` receives the endpoints whenever the API port or the peer's ports are learnt. */
  constructor(settings: Settings, ports: Readonly<NodePorts>, changed: (endpoints: NodeEndpoint[]) => void) {
    this.#settings = settings;
    this.#ports = ports;
    this.#changed = changed;
  }

  list(): NodeEndpoint[] {
    const ports = this.#ports;
    const apiPort = this.#apiPort;
    const self = selfEndpoint(this.#settings, {
      ...(ports.rtmp !== null ? { rtmp: ports.rtmp } : {}),
      ...(ports.rtsp !== null ? { rtspRaw: ports.rtsp } : {}),
      ...(ports.compressedRtsp !== null ? { rtspCompressed: ports.compressedRtsp } : {}),
      ...(apiPort !== undefined ? { api: apiPort } : {}),
      ...(ports.rtmps !== null ? { rtmps: ports.rtmps } : {}),
      ...(ports.rtsps !== null ? { rtspsRaw: ports.rtsps } : {}),
      ...(ports.compressedRtsps !== null ? { rtspsCompressed: ports.compressedRtsps } : {}),
    });
    const peer = peerEndpoint(this.#settings);
    if (peer === undefined) return [self];
    // The master learns its slave's real media ports from the slave's API.
    return [self, this.#learntPeerPorts === null ? peer : withLearntPorts(peer, this.#learntPeerPorts)];
  }

  /** The peer announced its media ports. */
  learnPeerPorts(ports: UpstreamPorts): void {
    this.#learntPeerPorts = ports;
    this.#changed(this.list());
  }

  /** The API listener is bound (or down: undefined). */
  setApiPort(port: number | undefined): void {
    this.#apiPort = port;
    this.#changed(this.list());
  }
}
