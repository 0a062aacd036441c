/**
 * The demo's layout (pure): which cameras exist, and which ports the slave and the master ask for.
 */

export const MAX_DEMO_SITES = 20;
export const MAX_DEMO_CAMERAS_PER_SITE = 50;
/** Total simulated cameras; each is one real-time x264 encoder on this host. */
export const MAX_DEMO_CAMERAS = 100;

export interface DemoCamera {
  /** 0-based over all sites; picks the camera's look. */
  readonly index: number;
  readonly site: string;
  readonly name: string;
  /** `site/name`: the stream path and camera id. */
  readonly path: string;
}

/** `site1/cam1` … `siteS/camC`, site by site. Throws with the offending flag on a bad count. */
export function demoCameras(sites: number, camerasPerSite: number): DemoCamera[] {
  if (!Number.isInteger(sites) || sites < 1 || sites > MAX_DEMO_SITES) {
    throw new Error(`--sites: expected a whole number from 1 to ${MAX_DEMO_SITES}, got ${sites}`);
  }
  if (!Number.isInteger(camerasPerSite) || camerasPerSite < 1 || camerasPerSite > MAX_DEMO_CAMERAS_PER_SITE) {
    throw new Error(`--cameras: expected a whole number from 1 to ${MAX_DEMO_CAMERAS_PER_SITE}, got ${camerasPerSite}`);
  }
  if (sites * camerasPerSite > MAX_DEMO_CAMERAS) {
    throw new Error(`--sites x --cameras: at most ${MAX_DEMO_CAMERAS} cameras in all, asked for ${sites * camerasPerSite}`);
  }
  const out: DemoCamera[] = [];
  for (let s = 1; s <= sites; s++) {
    for (let c = 1; c <= camerasPerSite; c++) {
      const site = `site${s}`;
      const name = `cam${c}`;
      out.push({ index: out.length, site, name, path: `${site}/${name}` });
    }
  }
  return out;
}

/** The four listening ports of one node; 0 = let the OS choose. */
export interface NodePortRequest {
  readonly rtmp: number;
  readonly rtsp: number;
  readonly compressedRtsp: number;
  readonly api: number;
}

export type DemoNodeName = 'slave' | 'master';

/** Slave on the documented defaults; the master next to it, as a second machine would be. */
export const PREFERRED_PORTS: { readonly [N in DemoNodeName]: NodePortRequest } = {
  slave: { rtmp: 1935, rtsp: 8554, compressedRtsp: 8555, api: 8080 },
  master: { rtmp: 1936, rtsp: 8564, compressedRtsp: 8565, api: 8081 },
};

export const ANY_PORTS: NodePortRequest = { rtmp: 0, rtsp: 0, compressedRtsp: 0, api: 0 };

/** Keeps each preferred port that is free and asks the OS for any other (port 0). */
export function choosePorts(preferred: NodePortRequest, isFree: (port: number) => boolean): NodePortRequest {
  const pick = (p: number): number => (p !== 0 && isFree(p) ? p : 0);
  return {
    rtmp: pick(preferred.rtmp),
    rtsp: pick(preferred.rtsp),
    compressedRtsp: pick(preferred.compressedRtsp),
    api: pick(preferred.api),
  };
}

/**
 * The settings file of one demo node: named after its role, so the dashboard's "best: raw@slave"
 * says which node; the slave's peer is the master (its URL management lists the master's copies),
 * the master follows the slave under the id `slave`.
 */
export function demoNodeSettings(name: DemoNodeName, other: { readonly host: string; readonly apiUrl: string }): object {
  const otherName: DemoNodeName = name === 'slave' ? 'master' : 'slave';
  const ref = { id: otherName, role: otherName, host: other.host, apiUrl: other.apiUrl };
  return name === 'slave' ? { node: { name, peer: ref } } : { node: { name, upstreams: [ref] } };
}

/** `cupola serve` flags for one demo node. */
export function serveArgs(o: {
  readonly role: DemoNodeName;
  readonly ports: NodePortRequest;
  readonly host: string;
  readonly advertiseHost?: string;
  readonly dataDir: string;
  readonly upstreamApi?: string;
  readonly logLevel?: string;
  /** A settings file (`--config`): the demo's node name, peer or upstream, compression.maxWorkers. */
  readonly config?: string;
}): string[] {
  const args = [
    'serve',
    '--role', o.role,
    '--host', o.host,
    '--rtmp-port', String(o.ports.rtmp),
    '--rtsp-port', String(o.ports.rtsp),
    '--compressed-rtsp-port', String(o.ports.compressedRtsp),
    '--api-port', String(o.ports.api),
    '--data-dir', o.dataDir,
    '--log-level', o.logLevel ?? 'info',
  ];
  if (o.advertiseHost !== undefined) args.push('--advertise-host', o.advertiseHost);
  if (o.upstreamApi !== undefined) args.push('--upstream', o.upstreamApi);
  if (o.config !== undefined) args.push('--config', o.config);
  return args;
}
