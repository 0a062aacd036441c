/** The parsed shape of an SDP session description (RFC 8866 §5). */

export interface SdpOrigin {
  readonly username: string;
  /** Kept as text: numeric ids often exceed 2^53. */
  readonly sessionId: string;
  readonly sessionVersion: string;
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

export interface SdpConnection {
  readonly netType: string;
  readonly addrType: string;
  /** Address, possibly with `/ttl[/count]` for multicast. */
  readonly address: string;
}

export interface SdpBandwidth {
  /** `AS`, `CT`, `TIAS`, ... */
  readonly type: string;
  readonly value: number;
}

export interface SdpAttribute {
  readonly name: string;
  /** Undefined for a property attribute (`a=recvonly`). */
  readonly value?: string;
}

export interface SdpTiming {
  readonly start: string;
  readonly stop: string;
}

export interface SdpMedia {
  /** `video`, `audio`, `application`, ... */
  readonly type: string;
  readonly port: number;
  readonly portCount?: number;
  /** `RTP/AVP`, `RTP/AVPF`, ... */
  readonly protocol: string;
  /** Payload types (as text) for RTP profiles. */
  readonly formats: readonly string[];
  readonly title?: string;
  readonly connection?: SdpConnection;
  readonly bandwidths: readonly SdpBandwidth[];
  readonly attributes: readonly SdpAttribute[];
}

export interface SessionDescription {
  readonly version: number;
  readonly origin: SdpOrigin;
  readonly sessionName: string;
  readonly information?: string;
  readonly uri?: string;
  readonly email?: string;
  readonly phone?: string;
  readonly connection?: SdpConnection;
  readonly bandwidths: readonly SdpBandwidth[];
  readonly timing: readonly SdpTiming[];
  readonly attributes: readonly SdpAttribute[];
  readonly media: readonly SdpMedia[];
}

/** Value of the first attribute named `name` (property attributes give ''), or undefined. */
export function getAttribute(attributes: readonly SdpAttribute[], name: string): string | undefined {
  for (const a of attributes) if (a.name === name) return a.value ?? '';
  return undefined;
}

/** Values of every attribute named `name`. */
export function getAttributes(attributes: readonly SdpAttribute[], name: string): string[] {
  const out: string[] = [];
  for (const a of attributes) if (a.name === name) out.push(a.value ?? '');
  return out;
}
