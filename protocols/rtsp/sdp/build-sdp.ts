/** SDP serializer (RFC 8866 §5): lines in the order the RFC requires, CRLF line ends. */
import type { SdpAttribute, SdpBandwidth, SdpConnection, SessionDescription } from './session-description.ts';

export function buildSdp(sdp: SessionDescription): string {
  const lines: string[] = [`v=${sdp.version}`];
  const o = sdp.origin;
  lines.push(`o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`);
  lines.push(`s=${sdp.sessionName === '' ? ' ' : sdp.sessionName}`);
  if (sdp.information !== undefined) lines.push(`i=${sdp.information}`);
  if (sdp.uri !== undefined) lines.push(`u=${sdp.uri}`);
  if (sdp.email !== undefined) lines.push(`e=${sdp.email}`);
  if (sdp.phone !== undefined) lines.push(`p=${sdp.phone}`);
  if (sdp.connection !== undefined) lines.push(connection(sdp.connection));
  pushBandwidths(lines, sdp.bandwidths);
  const timing = sdp.timing.length === 0 ? [{ start: '0', stop: '0' }] : sdp.timing;
  for (const t of timing) lines.push(`t=${t.start} ${t.stop}`);
  pushAttributes(lines, sdp.attributes);
  for (const m of sdp.media) {
    const port = m.portCount === undefined ? `${m.port}` : `${m.port}/${m.portCount}`;
    lines.push(`m=${[m.type, port, m.protocol, ...m.formats].join(' ')}`);
    if (m.title !== undefined) lines.push(`i=${m.title}`);
    if (m.connection !== undefined) lines.push(connection(m.connection));
    pushBandwidths(lines, m.bandwidths);
    pushAttributes(lines, m.attributes);
  }
  for (const l of lines) if (/[\r\n]/.test(l)) throw new RangeError(`line break inside SDP line ${JSON.stringify(l)}`);
  return `${lines.join('\r\n')}\r\n`;
}

function connection(c: SdpConnection): string {
  return `c=${c.netType} ${c.addrType} ${c.address}`;
}

function pushBandwidths(lines: string[], bandwidths: readonly SdpBandwidth[]): void {
  for (const b of bandwidths) lines.push(`b=${b.type}:${b.value}`);
}

function pushAttributes(lines: string[], attributes: readonly SdpAttribute[]): void {
  for (const a of attributes) lines.push(a.value === undefined ? `a=${a.name}` : `a=${a.name}:${a.value}`);
}
