/**
 * Binds a uWebSockets.js app the way Node's `net` binds every other listener of a node: SO_REUSEADDR
 * (a restarted node rebinds its port while the old connections sit in TIME-WAIT) and an exclusive
 * port (no SO_REUSEPORT: a second node on the same port fails instead of binding beside the first).
 *
 * uWS (20.30, traced with strace) sets SO_REUSEADDR + SO_REUSEPORT for a fixed port, SO_REUSEADDR
 * alone with LIBUS_LISTEN_EXCLUSIVE_PORT, and no option at all for port 0. So port 0 is resolved
 * first: a Node `net` probe asks the OS for a free port and lets it go at once (a listener without
 * connections leaves nothing in TIME-WAIT), then uWS binds that port with the exclusive flag. Another
 * program may take the port in between: the probe is repeated a few times.
 */
import net from 'node:net';
import uWS from 'uWebSockets.js';

/** uSockets' LIBUS_LISTEN_EXCLUSIVE_PORT: SO_REUSEADDR without SO_REUSEPORT. */
export const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;
/** Probes of a free port for a port-0 listen before giving up (each lost only to a race). */
export const PORT_PROBE_ATTEMPTS = 5;

type ListenWithOptions = (host: string, port: number, options: number, cb: (s: uWS.us_listen_socket | false) => void) => unknown;

/** A port the OS reports free on `host` right now. */
export async function probeFreePort(host: string): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ port: 0, host }, () => resolve());
  });
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function listenOnce(app: uWS.TemplatedApp, host: string, port: number): Promise<uWS.us_listen_socket | false> {
  return new Promise((resolve) => {
    (app.listen as unknown as ListenWithOptions).call(app, host, port, LIBUS_LISTEN_EXCLUSIVE_PORT, resolve);
  });
}

/**
 * Listens `app` on host:port (0 = a free port) with SO_REUSEADDR and an exclusive port. Resolves with
 * the listen socket and its port; rejects with "cannot listen on host:port" when the port is taken
 * (or the address is not this machine's).
 */
export async function listenExclusive(app: uWS.TemplatedApp, host: string, port: number): Promise<{ socket: uWS.us_listen_socket; port: number }> {
  if (port !== 0) {
    const socket = await listenOnce(app, host, port);
    if (socket === false) throw new Error(`cannot listen on ${host}:${port} (port in use or address not available)`);
    return { socket, port };
  }
  for (let i = 0; i < PORT_PROBE_ATTEMPTS; i++) {
    const chosen = await probeFreePort(host);
    const socket = await listenOnce(app, host, chosen);
    if (socket !== false) return { socket, port: uWS.us_socket_local_port(socket as unknown as uWS.us_socket) };
  }
  throw new Error(`cannot listen on ${host}:0 (${PORT_PROBE_ATTEMPTS} free ports were taken before they could be bound)`);
}
