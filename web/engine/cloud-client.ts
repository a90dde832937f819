import {
  API_PREFIX,
  AUTH_HEADER,
  LOGIN_PATH,
  STATION_CREDENTIALS_PATH,
  CONSOLE_VERSION_PATH,
  BRIDGE_PAIRING_PATH,
  type BridgePairingResponse,
  type ConsoleVersionPolicy,
  type CommunicationLogUpload,
  type DeviceStatusReport,
  type DevBootstrap,
  type StationCredential,
  type LoginResponse,
  type Machine,
  type OrderResponse,
  type WorkOrder,
  type PostResultsResponse,
  type ResultItem,
} from '../../shared/cloud-api.ts';
import { BRIDGE_LATEST_PATH, type BridgeRelease } from '../../shared/bridge-release.ts';
import type { BridgeOs } from '../../shared/bridge-wire.ts';

/** A failure the outbox can act on: it needs to know whether to retry, re-login or give up. */
export class CloudError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
  get unauthorized(): boolean {
    return this.status === 401;
  }
  /** Network errors, 5xx and 429 are worth retrying; other 4xx are the request's own fault. */
  get retryable(): boolean {
    return this.status === null || this.status >= 500 || this.status === 429;
  }
}

const REQUEST_TIMEOUT_MS = 15_000;

export class CloudClient {
  token: string | null = null;
  private held: { released: Promise<void>; release: () => void } | null = null;

  constructor(private readonly origin: string) {}

  /**
   * New requests wait until `release`. While an update goes in, the old service worker must see no
   * fetches: Chrome activates a skip-waiting worker only once the active one has no work, and an
   * engine that talks to the cloud steadily would keep it busy indefinitely.
   */
  hold(): void {
    if (this.held) return;
    let release!: () => void;
    const released = new Promise<void>((ok) => (release = ok));
    this.held = { released, release };
  }

  release(): void {
    this.held?.release();
    this.held = null;
  }

  /** Every call to the cloud: waits out a hold, signs in with the token, names a network failure. */
  private async send(url: string | URL, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
    while (this.held) await this.held.released;
    try {
      return await fetch(url, { ...init, headers: { ...init.headers, ...(this.token ? { [AUTH_HEADER]: this.token } : {}) } });
    } catch (err) {
      throw new CloudError(`cloud unreachable: ${(err as Error).message}`, null);
    }
  }

  private async request<T>(method: string, path: string, body?: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<T> {
    const res = await this.send(this.origin + API_PREFIX + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) {
      let reason = res.statusText;
      try {
        reason = ((await res.json()) as { error?: string }).error ?? reason;
      } catch {
        // body was not JSON; the status text will do
      }
      throw new CloudError(`${method} ${path}: ${res.status} ${reason}`, res.status);
    }
    return (await res.json()) as T;
  }

  /** Dev cloud only; a production backend answers 404 and the console asks the user instead. */
  async devBootstrap(): Promise<DevBootstrap | null> {
    try {
      return await this.request<DevBootstrap>('GET', '/dev/bootstrap');
    } catch (err) {
      if (err instanceof CloudError && err.status === 404) return null;
      throw err;
    }
  }

  async login(email: string, password: string): Promise<string> {
    const { token } = await this.request<LoginResponse>('POST', LOGIN_PATH, { email, password });
    return token;
  }

  stationCredential(station?: string): Promise<StationCredential> {
    return this.request<StationCredential>('POST', STATION_CREDENTIALS_PATH, station ? { station } : {});
  }

  reportStatus(machineId: number, report: DeviceStatusReport): Promise<unknown> {
    return this.request('POST', `/lis/machines/${machineId}/status`, report);
  }

  uploadLogs(machineId: number, upload: CommunicationLogUpload): Promise<{ stored: number }> {
    return this.request('POST', `/lis/machines/${machineId}/communication-logs`, upload);
  }

  /** A query's live lookup: its deadline is short, since the analyzer is waiting. */
  order(machineId: number, barcode: string, timeoutMs: number): Promise<OrderResponse> {
    return this.request<OrderResponse>('GET', `/lis/machines/${machineId}/orders?barcode=${encodeURIComponent(barcode)}`, undefined, timeoutMs);
  }

  workOrders(machineId: number): Promise<WorkOrder[]> {
    return this.request<WorkOrder[]>('GET', `/lis/machines/${machineId}/work-orders`);
  }

  /** The cloud's minimum console version; a backend without the endpoint (404) sets none. */
  async versionPolicy(): Promise<ConsoleVersionPolicy> {
    try {
      return await this.request<ConsoleVersionPolicy>('GET', CONSOLE_VERSION_PATH);
    } catch (err) {
      if (err instanceof CloudError && err.status === 404) return { minimum_version: null };
      throw err;
    }
  }

  /** The pairing the cloud wrote into this station's bridge download; null where the backend has none. */
  async bridgePairing(): Promise<BridgePairingResponse | null> {
    try {
      return await this.request<BridgePairingResponse>('GET', BRIDGE_PAIRING_PATH);
    } catch (err) {
      if (err instanceof CloudError && err.status === 404) return null;
      throw err;
    }
  }

  /** The bridge release the cloud offers for this platform; null where it offers none. */
  async bridgeRelease(os: BridgeOs): Promise<BridgeRelease | null> {
    try {
      return await this.request<BridgeRelease>('GET', `${BRIDGE_LATEST_PATH}?os=${os}`);
    } catch (err) {
      if (err instanceof CloudError && err.status === 404) return null;
      throw err;
    }
  }

  /** A release's bytes as a stream: the executable is over 100 MB and is never held whole. */
  async bridgeReleaseBytes(url: string): Promise<ReadableStream<Uint8Array>> {
    const res = await this.send(new URL(url, this.origin));
    if (!res.ok || !res.body) throw new CloudError(`GET ${url}: ${res.status} ${res.statusText}`, res.status);
    return res.body;
  }

  machines(): Promise<Machine[]> {
    return this.request<Machine[]>('GET', '/lis/machines');
  }

  postResults(results: ResultItem[]): Promise<PostResultsResponse> {
    return this.request<PostResultsResponse>('POST', '/lis/machine-results', { results });
  }
}
