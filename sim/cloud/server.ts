import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import {
  API_PREFIX,
  AUTH_HEADER,
  LOGIN_PATH,
  STATION_CREDENTIALS_PATH,
  CONSOLE_VERSION_PATH,
  BRIDGE_PAIRING_PATH,
  BRIDGE_DOWNLOAD_PATH,
  type CommunicationLogUpload,
  type DeviceStatusReport,
  type DevBootstrap,
  type PostResultsRequest,
  type StationCredential,
  type StationCredentialRequest,
} from '../../shared/cloud-api.ts';
import { DEMO_PORTS, DEMO_USER, type DemoPorts } from './seed.ts';
import { BRIDGE_LATEST_PATH, type BridgeRelease } from '../../shared/bridge-release.ts';
import { bridgeDownload } from './bridge-download.ts';
import { BRIDGE_RELEASE_FILES, BridgeReleases, type PublishedBridge } from './bridge-releases.ts';
import { serveStatic } from './static-files.ts';
import { CloudStore } from './store.ts';

export interface CloudOptions {
  port?: number;
  host?: string;
  dataDir: string;
  webRoot?: string;
  ports?: DemoPorts;
  bridge?: { url: string; token: string };
  /** Where the built bridge executables are (dist/bridge). */
  bridgeDist?: string;
}

/** Switches tests flip to make the cloud misbehave the way real ones do. */
export interface CloudFaults {
  /** HTTP status the results endpoint answers instead of working (e.g. 500). */
  resultsStatus: number | null;
  /** The results endpoint answers only after this long (a slow cloud; past the client's timeout, a hung one). */
  resultsDelayMs: number;
  /** The results endpoint drops the connection without answering (a proxy or load balancer failing). */
  resultsDrop: boolean;
  /** Called when an order lookup arrives (tests wait on it instead of sleeping). */
  onOrdersRequest?: () => void;
  /** Items whose barcode is listed here are rejected, as a backend rejects an item it cannot map. */
  rejectBarcodes: Set<string>;
  /** HTTP status the orders endpoints (`/orders`, `/work-orders`) answer instead of working (e.g. 503). */
  ordersStatus: number | null;
  /** How long the orders endpoints take before they answer (a slow cloud), in ms. */
  ordersDelayMs: number;
}

export interface DevCloud {
  url: string;
  origin: string;
  store: CloudStore;
  faults: CloudFaults;
  server: Server;
  /** Serves another build of the console from now on, as a deployment does. */
  publish(dir: string): void;
  /** Offers a bridge release to stations from now on (GET /lis/bridge/latest). */
  publishBridge(release: PublishedBridge): BridgeRelease;
  setMinimumVersion(version: string | null): void;
  /** Forgets every token, as a backend does when sessions expire: the next call gets 401. */
  expireLogins(): void;
  close(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;

export async function startDevCloud(opts: CloudOptions): Promise<DevCloud> {
  const store = new CloudStore(opts.dataDir, opts.ports ?? DEMO_PORTS);
  /** User tokens from login, and the long-lived station tokens issued with them. */
  const userTokens = new Set<string>();
  const stationTokens = new Map<string, string>();
  const policy = { minimumVersion: null as string | null, retentionDays: 7, archiveMaxMb: 200 };
  const faults: CloudFaults = { resultsStatus: null, resultsDelayMs: 0, resultsDrop: false, rejectBarcodes: new Set(), ordersStatus: null, ordersDelayMs: 0 };
  let webRoot = resolve(opts.webRoot ?? 'dist/web');
  const bridgeReleases = new BridgeReleases();
  let origin = '';

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A client that gave up mid-request (its timeout, a dropped connection) is not a server fault.
      if ((err as Error).message === 'aborted') return;
      console.error('[cloud] handler failed:', err);
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!url.pathname.startsWith(API_PREFIX + '/')) return serveStatic(webRoot, url.pathname, res);
    const path = url.pathname.slice(API_PREFIX.length);

    if (req.method === 'POST' && path === LOGIN_PATH) {
      const body = (await readJson(req)) as { email?: string; password?: string } | null;
      if (body?.email !== DEMO_USER.email || body?.password !== DEMO_USER.password) return json(res, 401, { error: 'wrong email or password' });
      const token = randomBytes(24).toString('hex');
      userTokens.add(token);
      return json(res, 200, { token });
    }
    if (req.method === 'GET' && path === '/dev/bootstrap') {
      if (!opts.bridge) return json(res, 404, { error: 'no bridge configured' });
      const boot: DevBootstrap = { login: DEMO_USER, bridge: opts.bridge };
      return json(res, 200, boot);
    }

    const token = req.headers[AUTH_HEADER.toLowerCase()];
    if (typeof token !== 'string' || !(userTokens.has(token) || stationTokens.has(token))) return json(res, 401, { error: 'not logged in' });
    const station = stationTokens.get(token);

    if (req.method === 'POST' && path === STATION_CREDENTIALS_PATH) {
      if (!userTokens.has(token)) return json(res, 403, { error: 'a user must log in to pair a station' });
      const body = ((await readJson(req)) ?? {}) as StationCredentialRequest;
      const chosen = body.station ? store.stations().find((s) => s.id === body.station) : store.stations()[0];
      if (!chosen) return json(res, 404, { error: `unknown station ${body.station}` });
      const credential: StationCredential = { station: chosen.id, station_name: chosen.name, token: randomBytes(24).toString('hex') };
      stationTokens.set(credential.token, chosen.id);
      return json(res, 200, credential);
    }

    if (req.method === 'GET' && path === CONSOLE_VERSION_PATH) return json(res, 200, { minimum_version: policy.minimumVersion, retention_days: policy.retentionDays, archive_max_mb: policy.archiveMaxMb });
    if (req.method === 'GET' && path === BRIDGE_PAIRING_PATH) {
      if (!opts.bridge) return json(res, 404, { error: 'no bridge pairing for this station' });
      return json(res, 200, opts.bridge);
    }
    if (req.method === 'GET' && path === BRIDGE_DOWNLOAD_PATH) {
      const os = url.searchParams.get('os');
      if (os !== 'win' && os !== 'linux') return json(res, 400, { error: 'os must be win or linux' });
      if (!opts.bridge) return json(res, 404, { error: 'no bridge pairing for this station' });
      const download = await bridgeDownload(resolve(opts.bridgeDist ?? 'dist/bridge'), os, {
        origins: [origin],
        token: opts.bridge.token,
        port: Number(new URL(opts.bridge.url).port),
        station: station ?? null,
      });
      if (!download) return json(res, 404, { error: 'the bridge executables have not been built: run npm run build:bridge' });
      res.writeHead(200, { 'content-type': 'application/zip', 'content-disposition': `attachment; filename="${download.name}"`, 'cache-control': 'no-store' });
      res.end(download.zip);
      return;
    }

    if (req.method === 'GET' && path === BRIDGE_LATEST_PATH) {
      const os = url.searchParams.get('os');
      if (os !== 'win' && os !== 'linux') return json(res, 400, { error: 'os must be win or linux' });
      const latest = bridgeReleases.latest(os);
      return latest ? json(res, 200, latest) : json(res, 404, { error: `no bridge release for ${os}` });
    }
    let m: RegExpMatchArray | null;
    if (req.method === 'GET' && (m = path.match(new RegExp(`^${BRIDGE_RELEASE_FILES}/(\\w+)/([^/]+)$`)))) {
      if (!bridgeReleases.serve(m[1], decodeURIComponent(m[2]), res)) json(res, 404, { error: 'no such bridge release' });
      return;
    }
    if ((m = path.match(/^\/lis\/machines\/(\d+)\/(status|communication-logs)$/))) {
      const id = Number(m[1]);
      if (!store.machine(id)) return json(res, 404, { error: 'unknown machine' });
      if (m[2] === 'status') {
        if (req.method === 'GET') return json(res, 200, store.status(id) ?? null);
        const body = (await readJson(req)) as DeviceStatusReport | null;
        if (!body || typeof body.state !== 'string') return json(res, 400, { error: 'expected a status report' });
        return json(res, 200, store.reportStatus(id, { ...body, station: station ?? body.station }));
      }
      if (req.method === 'GET') return json(res, 200, store.logs(id));
      const body = (await readJson(req)) as CommunicationLogUpload | null;
      if (!body || !Array.isArray(body.entries)) return json(res, 400, { error: 'expected {entries: [...]}' });
      return json(res, 200, { stored: store.addLogs(id, station ?? body.station, body.entries) });
    }
    if (req.method === 'GET' && path === '/lis/machines') return json(res, 200, store.machines());
    if (req.method === 'GET' && /^\/lis\/machines\/\d+\/(orders|work-orders)$/.test(path)) {
      faults.onOrdersRequest?.();
      if (faults.ordersDelayMs > 0) await new Promise((ok) => setTimeout(ok, faults.ordersDelayMs));
      if (faults.ordersStatus !== null) return json(res, faults.ordersStatus, { error: 'injected fault' });
    }
    if (req.method === 'GET' && (m = path.match(/^\/lis\/machines\/(\d+)\/orders$/))) {
      const id = Number(m[1]);
      if (!store.machine(id)) return json(res, 404, { error: 'unknown machine' });
      return json(res, 200, store.order(id, url.searchParams.get('barcode') ?? ''));
    }
    if (req.method === 'GET' && (m = path.match(/^\/lis\/machines\/(\d+)\/work-orders$/))) {
      const id = Number(m[1]);
      if (!store.machine(id)) return json(res, 404, { error: 'unknown machine' });
      return json(res, 200, store.workOrders(id));
    }
    if (path === '/lis/machine-results') {
      if (req.method === 'POST') {
        if (faults.resultsDrop) {
          req.socket.destroy();
          return;
        }
        if (faults.resultsDelayMs > 0) await new Promise((ok) => setTimeout(ok, faults.resultsDelayMs));
        if (faults.resultsStatus !== null) return json(res, faults.resultsStatus, { error: 'injected fault' });
        const body = (await readJson(req)) as PostResultsRequest | null;
        if (!body || !Array.isArray(body.results)) return json(res, 400, { error: 'expected {results: [...]}' });
        const refused = body.results.filter((r) => faults.rejectBarcodes.has(r?.barcode));
        const answer = store.postResults(body.results.filter((r) => !faults.rejectBarcodes.has(r?.barcode)));
        for (const r of refused) answer.items.push({ idempotency_key: r.idempotency_key, status: 'rejected', reason: `no patient order for tube ${r.barcode}` });
        return json(res, 200, answer);
      }
      if (req.method === 'GET') {
        const machine = url.searchParams.get('machine_id');
        const barcode = url.searchParams.get('barcode');
        return json(res, 200, store.results({ machineId: machine ? Number(machine) : undefined, barcode: barcode ?? undefined }));
      }
    }
    return json(res, 404, { error: 'not found' });
  }

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => ok());
  });
  const addr = server.address() as AddressInfo;
  origin = `http://${opts.host ?? '127.0.0.1'}:${addr.port}`;
  return {
    url: origin + '/',
    origin,
    store,
    faults,
    server,
    publish: (dir: string) => {
      webRoot = resolve(dir);
    },
    publishBridge: (release: PublishedBridge) => bridgeReleases.publish(release),
    setMinimumVersion: (version: string | null) => {
      policy.minimumVersion = version;
    },
    expireLogins: () => {
      userTokens.clear();
      stationTokens.clear();
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  }
}
