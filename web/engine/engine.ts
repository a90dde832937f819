import type { ConnId, DeviceId } from '../../shared/bridge-wire.ts';
import type { Machine } from '../../shared/cloud-api.ts';
import type { AnalyzerResult } from '../../drivers/result-model.ts';
import { BridgeTransport, type BridgeLinkState } from '../transports/bridge-transport.ts';
import { CloudClient, CloudError } from './cloud-client.ts';
import type { ConsoleDb, DeviceLinkState, DeviceStatus, EngineStatus } from './db.ts';
import { DeviceConnection } from './device-connection.ts';
import { bindingFor } from './driver-bindings.ts';
import { Outbox } from './outbox.ts';
import { toOutboxResult } from './result-items.ts';

const SETTING_CLOUD_TOKEN = 'cloud-token';
const SETTING_BRIDGE = 'bridge';

interface BridgePairing {
  url: string;
  token: string;
}

/**
 * The engine: logs in, learns the analyzers from the cloud, drives them through the bridge, and
 * delivers their results through the outbox. It runs in the leader's worker; the UI only reads
 * what it writes to the database.
 */
export class Engine {
  private readonly cloud: CloudClient;
  private readonly outbox: Outbox;
  private bridge: BridgeTransport | null = null;
  private machines = new Map<DeviceId, Machine>();
  private readonly connections = new Map<ConnId, { device: DeviceId; connection: DeviceConnection<unknown> }>();
  private status: EngineStatus = { id: 'engine', bridge: 'connecting', cloud: 'ok', leader: true, updatedAt: Date.now() };

  constructor(
    private readonly db: ConsoleDb,
    origin: string,
  ) {
    this.cloud = new CloudClient(origin);
    this.outbox = new Outbox(db, this.cloud, {
      reauthenticate: () => this.login(),
      cloudState: (ok, detail) => this.setStatus(ok ? { cloud: 'ok', cloudDetail: undefined } : { cloud: 'unreachable', cloudDetail: detail }),
    });
  }

  async start(): Promise<void> {
    await this.setStatus({});
    this.cloud.token = ((await this.db.settings.get(SETTING_CLOUD_TOKEN))?.value as string | undefined) ?? null;
    if (!this.cloud.token && !(await this.login())) return;
    this.outbox.kick();
    await this.syncMachines();
    const pairing = (await this.db.settings.get(SETTING_BRIDGE))?.value as BridgePairing | undefined;
    if (!pairing) {
      await this.setStatus({ bridge: 'refused', bridgeDetail: 'This console is not paired with a bridge yet.' });
      return;
    }
    this.connectBridge(pairing);
  }

  /** Logs in with what the dev cloud offers; a production backend needs the login form instead. */
  private async login(): Promise<boolean> {
    try {
      const boot = await this.cloud.devBootstrap();
      if (!boot) {
        await this.setStatus({ cloud: 'login-needed', cloudDetail: 'Log in to the LIS to start.' });
        return false;
      }
      const token = await this.cloud.login(boot.login.email, boot.login.password);
      await this.db.settings.bulkPut([
        { key: SETTING_CLOUD_TOKEN, value: token },
        { key: SETTING_BRIDGE, value: boot.bridge },
      ]);
      await this.setStatus({ cloud: 'ok', cloudDetail: undefined });
      return true;
    } catch (err) {
      await this.setStatus({ cloud: 'unreachable', cloudDetail: (err as Error).message });
      return false;
    }
  }

  private async syncMachines(): Promise<void> {
    let machines: Machine[];
    try {
      machines = await this.cloud.machines();
    } catch (err) {
      if (err instanceof CloudError && err.unauthorized && (await this.login())) return this.syncMachines();
      await this.setStatus({ cloud: 'unreachable', cloudDetail: (err as Error).message });
      return;
    }
    this.machines = new Map(machines.filter((m) => m.transport === 'tcp').map((m) => [String(m.id), m]));
    await this.db.transaction('rw', this.db.devices, async () => {
      await this.db.devices.clear();
      for (const m of this.machines.values()) {
        await this.db.devices.put({
          machineId: m.id,
          name: m.name,
          driver: m.driver,
          transport: m.transport,
          port: m.connection_settings.port,
          state: 'starting',
          received: 0,
        });
      }
    });
  }

  private connectBridge(pairing: BridgePairing): void {
    this.bridge = new BridgeTransport(pairing.url, pairing.token, {
      state: (state: BridgeLinkState, detail?: string) => {
        void this.setStatus({ bridge: state, bridgeDetail: detail });
        if (state !== 'connected') for (const m of this.machines.values()) void this.setDevice(m.id, { state: 'disconnected' });
      },
      welcome: () => {
        for (const m of this.machines.values()) {
          const s = m.connection_settings;
          this.bridge!.openDevice({ device: String(m.id), mode: s.mode, port: s.port ?? 0, ...(s.host ? { host: s.host } : {}), ...(s.allowed_peers ? { allowedPeers: s.allowed_peers } : {}) });
        }
      },
      deviceState: (device, state, detail) => {
        const map: Record<string, DeviceLinkState> = { listening: 'listening', 'port-in-use': 'port-in-use', closed: 'stopped', connecting: 'starting' };
        void this.setDevice(Number(device), { state: map[state] ?? 'error', detail });
      },
      connOpen: (device, conn, remote) => this.openConnection(device, conn, remote),
      connClose: (device, conn, reason) => {
        this.connections.get(conn)?.connection.close();
        this.connections.delete(conn);
        void this.setDevice(Number(device), { state: 'listening', peer: undefined, detail: reason });
      },
      data: (conn, _at, bytes) => this.connections.get(conn)?.connection.receive(bytes),
    });
    this.bridge.start();
  }

  private openConnection(device: DeviceId, conn: ConnId, remote: string): void {
    const machine = this.machines.get(device);
    if (!machine) {
      this.bridge?.disconnect(conn);
      return;
    }
    const binding = bindingFor(machine);
    const log = (line: string) => console.info(`[${machine.name}] ${line}`);
    const connection = new DeviceConnection<unknown>(binding, {
      write: (bytes) => this.bridge?.write(conn, bytes),
      store: (results) => this.storeResults(machine, results),
      log,
      messageSeen: () => void this.setDevice(machine.id, { lastMessageAt: Date.now() }),
    });
    this.connections.set(conn, { device, connection });
    void this.setDevice(machine.id, { state: 'connected', peer: remote || undefined, detail: undefined });
  }

  private async storeResults(machine: Machine, results: AnalyzerResult[]): Promise<void> {
    if (results.length === 0) return;
    const receivedAt = new Date();
    const rows = await Promise.all(results.map((r) => toOutboxResult(machine, r, receivedAt)));
    await this.outbox.add(rows);
    await this.db.devices.where('machineId').equals(machine.id).modify((d) => {
      d.received += results.length;
    });
  }

  private async setDevice(machineId: number, patch: Partial<DeviceStatus>): Promise<void> {
    await this.db.devices.update(machineId, patch);
  }

  private async setStatus(patch: Partial<EngineStatus>): Promise<void> {
    this.status = { ...this.status, ...patch, updatedAt: Date.now() };
    await this.db.status.put(this.status);
  }
}
