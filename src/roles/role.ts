/**
 * What src/node.ts hands a role (the shared core it composed) and what a role hands back. A role
 * is a function of this core: src/roles/slave.ts, master.ts, compressor.ts.
 */
import type { AccessControl } from '../access/access-control.ts';
import type { ReadinessCheck } from '../api/types.ts';
import type { CompressionBook } from '../compression/compression-book.ts';
import type { ConfigStore } from '../config/store.ts';
import type { Settings } from '../config/settings.ts';
import type { EventBus } from '../core/events.ts';
import type { NodeEndpoints, NodePorts } from '../core/node-endpoints.ts';
import type { UrlManager } from '../core/url-manager.ts';
import type { Logger } from '../log/logger.ts';
import type { ReplicationRunner } from '../replication/runner.ts';
import type { SourceRunner } from '../sources/source-runner.ts';
import type { StreamRegistry } from '../streams/registry.ts';
import type { CompressionProfile } from '../config/model.ts';
import type { BackoffOptions } from '../../workers/messages.ts';

export interface NodeCore {
  readonly settings: Settings;
  readonly log: Logger;
  readonly store: ConfigStore;
  readonly bus: EventBus;
  /** Every camera's compression status: the CompressionListener of every compressor. */
  readonly book: CompressionBook;
  readonly access: AccessControl;
  readonly raw: StreamRegistry;
  readonly compressed: StreamRegistry;
  readonly urls: UrlManager;
  readonly endpoints: NodeEndpoints;
  /** The bound ports (null: not served by this role, or not bound yet). */
  readonly ports: Readonly<NodePorts>;
  /** How this node's own clients (compression input) read its Factory 1 over RTSP. */
  readonly rawReadCredentials: { readonly credentials?: { readonly user: string; readonly pass: string } };
  /** Supervision and cap of compression workers (compression.*). */
  readonly workers: { readonly stallTimeoutMs: number; readonly backoff: BackoffOptions; readonly maxWorkers: number };
  /** A camera's profile on a node with cameras (undefined: not compressed). */
  cameraProfile(path: string): CompressionProfile | undefined;
  /** A camera's profile on a compressor role (it follows the slave's cameras). */
  followedCameraProfile(path: string): CompressionProfile | undefined;
  addReadiness(check: ReadinessCheck): void;
  /** Registers a shutdown step; they run in reverse order of registration. */
  onClose(close: () => Promise<void> | void): void;
}

export interface RunningRole {
  /** A camera's effective profile changed in the catalog: restart its compression here, if any. */
  profileChanged(path: string): void;
  /** Whether the node serves its compression status (GET /api/v1/compression). */
  readonly servesCompression: boolean;
  readonly replication?: ReplicationRunner;
  readonly sources?: SourceRunner;
}
