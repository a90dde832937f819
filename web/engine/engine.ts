import { CLOSE, type BridgeInfo, type ConnId } from '../../shared/bridge-wire.ts';
import type { Machine } from '../../shared/cloud-api.ts';
import { APP_VERSION, compareVersions, DEFAULT_BRIDGE_PORT } from '../../shared/version.ts';
import type { AnalyzerResult } from '../../drivers/result-model.ts';
import { BridgeTransport, type BridgeLinkState } from '../transports/bridge-transport.ts';
import { CloudClient, CloudError } from './cloud-client.ts';
import { Credentials, type BridgePairing } from './credentials.ts';
import type { ArchiveDb, ConsoleDb, DeviceStatus, EngineStatus, StateDb } from './db.ts';
import { bridgeSpec, DeviceRunner, today, type DeviceContext } from './device-runner.ts';
import { driverFor } from '../../drivers/registry.ts';
import type { AnalyzerQuery } from '../../drivers/result-model.ts';
import { OrderLookup } from './order-lookup.ts';
import { COMMAND_CHANNEL, type EngineCommand } from './engine-commands.ts';
import { Outbox } from './outbox.ts';
import { SerialDevices } from './serial-devices.ts';
import type { SerialLike } from '../transports/serial-transport.ts';
import { toOutboxResult } from './result-items.ts';
import { TrafficArchive } from './traffic-archive.ts';
import { queryScript, replayScript, resultScript } from './sandbox-analyzer.ts';
import { runSimulation } from './simulator.ts';
import { broadcast } from './engine-events.ts';
import { UpdateGate } from './update-gate.ts';
import { BridgeUpdater } from './bridge-updater.ts';

/** Configuration is the cloud's: it is re-read this often, and on demand. */
const MACHINE_SYNC_MS = 3 * 60_000;
const SETTING_MACHINES = 'machines';
const WORK_ORDER_REFRESH_MS = 60_000;
/** Until the cloud says otherwise: a week of delivered results and traffic, 200 MB of traffic at most. */
const DEFAULT_RETENTION_DAYS = 7;
const DEFAULT_ARCHIVE_MAX_MB = 200;
const QUOTA_WARN_RATIO = 0.8;
const UPDATE_RELOAD_GRACE_MS = 8_000;
const UPDATE_RETRY_MS = 60_000;
const IDLE_CHECK_MS = 250;
const STATUS_REPORT_MS = 60_000;
const LOG_UPLOAD_MS = 30_000;
const STORAGE_PROBE_MS = 5_000;
export const APP_BUILD = typeof __APP_BUILD__ === 'string' ? __APP_BUILD__ : 'dev';

/**
 * The engine: runs on the station credential, learns this station's analyzers from the cloud,
 * drives them through the bridge, and delivers their results through the outbox. It runs in the
 * leader's worker; the UI only reads what it writes to the database.
 */
export class Engine {
  private readonly cloud: CloudClient;
  private readonly credentials: Credentials;
  private readonly outbox: Outbox;
  private readonly archive: TrafficArchive;
  private bridge: BridgeTransport | null = null;
  private readonly runners = new Map<number, DeviceRunner>();
  private readonly connDevice = new Map<ConnId, number>();
  private status: EngineStatus = { id: 'engine', bridge: 'connecting', cloud: 'ok', leader: true, storage: 'ok', updatedAt: Date.now() };
  private storageReady = true;
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private readonly serial: SerialDevices;
  private readonly orders: OrderLookup;
  private readonly updates: UpdateGate;
  /** The pairing the cloud holds for this station, the fallback when a typed code is refused. */
  private fromCloud: BridgePairing | null = null;
  /** An update is waiting for the bridge to confirm it holds analyzer bytes. */
  private pausing = false;
  private bridgeInfo: BridgeInfo | null = null;
  private readonly bridgeUpdater: BridgeUpdater;
  /** Checks waiting for a moment no analyzer is mid-message (see whenIdle). */
  private idleWaiters: (() => void)[] = [];
  private readonly held: { conn: ConnId; at: number; bytes: Uint8Array }[] = [];

  constructor(
    private readonly db: ConsoleDb,
    private readonly state: StateDb,
    archiveDb: ArchiveDb,
    origin: string,
    serial: SerialLike | null,
    private readonly notify: (status: EngineStatus) => void = () => {},
  ) {
    this.serial = new SerialDevices(serial, db, (id) => this.runners.get(id), (id) =>
      void this.patchDevice(id, (d) => {
        d.state = 'serial-not-granted';
        d.detail = 'Grant this analyzer\'s serial port in Settings (Chrome asks once).';
      }),
    );
    this.cloud = new CloudClient(origin);
    this.credentials = new Credentials(db, this.cloud);
    this.orders = new OrderLookup(this.cloud);
    this.updates = new UpdateGate({
      busy: () => this.busy(),
      apply: () => this.applyUpdate(),
      now: () => Date.now(),
    });
    this.archive = new TrafficArchive(archiveDb);
    this.bridgeUpdater = new BridgeUpdater({
      latest: (os) => this.cloud.bridgeRelease(os),
      bytes: (url) => this.cloud.bridgeReleaseBytes(url),
      control: (msg) => this.bridge?.updateControl(msg),
      piece: (bytes) => this.bridge?.updatePiece(bytes) ?? false,
      idle: () => this.whenIdle(),
      report: (detail) => void this.audit('console', 'bridge-update', detail),
    });
    this.outbox = new Outbox(db, this.cloud, {
      reauthenticate: () => this.reauthenticate(),
      cloudState: (ok, detail) => void this.setStatus(ok ? { cloud: 'ok', cloudDetail: undefined } : { cloud: 'unreachable', cloudDetail: detail }),
    }, state.results);
  }

  /** Inside a message, owing a reply, or writing results: no restart of anything may happen now. */
  private busy(): boolean {
    return this.outbox.writing > 0 || [...this.runners.values()].some((r) => r.busy());
  }

  /** Resolves at the first moment nothing is busy, checked as each connection goes idle. */
  private whenIdle(): Promise<void> {
    if (!this.busy()) return Promise.resolve();
    return new Promise((ok) => {
      const check = () => {
        if (this.busy()) return;
        clearInterval(timer);
        this.idleWaiters = this.idleWaiters.filter((c) => c !== check);
        ok();
      };
      const timer = setInterval(check, IDLE_CHECK_MS);
      this.idleWaiters.push(check);
    });
  }

  async start(): Promise<void> {
    await this.setStatus({});
    new BroadcastChannel(COMMAND_CHANNEL).onmessage = (ev: MessageEvent<EngineCommand>) => void this.command(ev.data);
    if (!(await this.credentials.load())) await this.reauthenticate();
    await this.setStatus({ station: this.credentials.station?.station, stationName: this.credentials.station?.station_name });
    this.outbox.kick();
    // A reload (an update, a crash) must answer analyzers within their reply timer: drive the
    // devices from the configuration already on this PC first, then ask the cloud.
    const cached = (await this.db.settings.get(SETTING_MACHINES))?.value as Machine[] | undefined;
    if (cached) await this.applyMachines(cached);
    await this.connectBridge();
    await this.syncMachines();
    void this.checkVersionPolicy();
    void this.checkQuota();
    this.timers.push(
      setInterval(() => {
        void this.syncMachines().then(() => Promise.all([this.checkVersionPolicy(), this.checkQuota()]));
        if (this.bridgeInfo && this.bridge?.connected) void this.bridgeUpdater.check(this.bridgeInfo);
      }, MACHINE_SYNC_MS),
      setInterval(() => void this.reportStatus(), STATUS_REPORT_MS),
      setInterval(() => void this.uploadLogs(), LOG_UPLOAD_MS),
      setInterval(() => {
        for (const id of this.runners.keys()) void this.orders.refresh(id);
      }, WORK_ORDER_REFRESH_MS),
    );
  }

  private async command(cmd: EngineCommand): Promise<void> {
    switch (cmd.type) {
      case 'login':
        try {
          await this.credentials.loginWithPassword(cmd.email, cmd.password);
          await this.audit(cmd.email, 'login', 'logged in; this station runs on its own credential from now on');
          await this.setStatus({ cloud: 'ok', cloudDetail: undefined, station: this.credentials.station?.station, stationName: this.credentials.station?.station_name });
          this.outbox.kick();
          await this.syncMachines();
        } catch (err) {
          await this.setStatus({ cloud: 'login-needed', cloudDetail: `Login failed: ${(err as Error).message}` });
        }
        return;
      case 'logout':
        await this.audit('staff', 'logout', 'logged out; undelivered results are kept');
        await this.credentials.logout();
        await this.archive.clear();
        await this.outbox.remove(await this.db.outbox.where('state').equals('sent').primaryKeys());
        await this.setStatus({ cloud: 'login-needed', cloudDetail: 'Logged out. Undelivered results are kept and sent after the next login.' });
        return;
      case 'pair-bridge':
        await this.credentials.setBridgePairing({ url: cmd.url ?? `ws://127.0.0.1:${DEFAULT_BRIDGE_PORT}`, token: cmd.token.trim(), source: 'typed' });
        await this.audit('staff', 'pair-bridge', `paired with the bridge at ${cmd.url ?? `ws://127.0.0.1:${DEFAULT_BRIDGE_PORT}`}`);
        await this.connectBridge();
        return;
      case 'sync-now':
        await this.syncMachines();
        if (this.bridgeInfo && this.bridge?.connected) await this.bridgeUpdater.check(this.bridgeInfo);
        return;
      case 'report-now':
        await this.flushReports();
        return;
      case 'update-waiting':
        await this.setStatus({ updateWaiting: true });
        this.updates.updateWaiting();
        return;
      case 'update-now':
        this.updates.applyNow();
        return;
      case 'update-later':
        this.updates.postpone(cmd.ms);
        return;
      case 'retry-now': {
        const row = cmd.key ? await this.db.outbox.get(cmd.key) : undefined;
        await this.outbox.retryNow(cmd.key);
        await this.audit(cmd.who ?? 'staff', 'retry-now', row ? `retried ${row.item.barcode} ${row.item.test_code} now` : 'retried every waiting result now');
        return;
      }
      case 'discard': {
        const row = await this.db.outbox.get(cmd.key);
        await this.outbox.discard(cmd.key, cmd.reason, cmd.who);
        await this.audit(cmd.who, 'discard', `${row ? `${row.item.barcode} ${row.item.test_code} ${row.item.value}: ` : ''}${cmd.reason}`);
        return;
      }
      case 'persisted':
        await this.setStatus({ persisted: cmd.persisted });
        return;
      case 'serial-granted':
        await this.syncMachines();
        return;
      case 'simulate':
      case 'replay':
        await this.simulate(cmd);
        return;
    }
  }

  private async audit(who: string, action: string, detail: string): Promise<void> {
    await this.state.audit.add({ at: Date.now(), who, action, detail, uploaded: 0 }).catch(() => 0);
  }

  private async simulate(cmd: Extract<EngineCommand, { type: 'simulate' | 'replay' }>): Promise<void> {
    const machine = this.runners.get(cmd.machineId)?.machine;
    const audit = (detail: string) => this.state.audit.add({ at: Date.now(), who: cmd.who, action: cmd.type, detail, uploaded: 0 }).catch(() => 0);
    if (!machine) return void (await audit(`machine ${cmd.machineId} is not driven here`));
    if (!machine.sandbox_id) return void (await audit(`${machine.name}: the LIS has no sandbox for this analyzer, so nothing was simulated`));
    const now = new Date();
    const script =
      cmd.type === 'replay'
        ? replayScript(machine, Uint8Array.from(atob(cmd.base64), (c) => c.charCodeAt(0)))
        : cmd.kind === 'query'
          ? queryScript(machine, cmd.barcode ?? 'SIM-QUERY', now)
          : resultScript(machine, cmd.barcode ?? `SIM-${now.getTime().toString(36).toUpperCase()}`, cmd.value ?? '42', now);
    await audit(`${machine.name}: ${cmd.type === 'replay' ? 'replayed a capture' : `simulated a ${cmd.kind}`} on sandbox machine ${machine.sandbox_id}`);
    const transcript = await runSimulation(machine, driverFor(machine.driver), script, {
      archive: this.archive,
      store: (results, skew) => this.storeResults(machine, results, skew, true),
      lookup: (query, deadlineMs) => this.orders.lookup(machine, query, deadlineMs),
    });
    await audit(`${machine.name}: ${transcript.join('; ')}`);
  }

  /**
   * Between messages, with nothing owed: stop taking analyzer bytes (the bridge keeps what comes
   * next, with its arrival time, for the reloaded engine) and let every tab switch to the new build.
   */
  private applyUpdate(): void {
    void this.audit('console', 'update', 'every analyzer is between messages with nothing owed: switching to the new version');
    if (!this.bridge?.connected) return this.reloadForUpdate();
    this.pausing = true;
    this.bridge.pause();
  }

  /**
   * The bridge now holds what analyzers send. A byte that arrived between the decision and the
   * pause may have started a message: then take everything back and wait for the next idle moment.
   */
  private paused(): void {
    if (!this.pausing) return;
    this.pausing = false;
    // Bytes that arrived while the pause was on its way were not acted on: they go back to the
    // bridge, unanswered, for the reloaded engine.
    for (const h of this.held.splice(0)) this.bridge?.giveBack(h.conn, h.at, h.bytes);
    this.reloadForUpdate();
  }

  private reloadForUpdate(): void {
    for (const r of this.runners.values()) r.stop();
    this.cloud.hold();
    void this.setStatus({ updateWaiting: false });
    broadcast({ type: 'apply-update' });
    // The page should reload now; if it does not (no tab could take the update), drive the
    // analyzers again rather than leave them unanswered, and try again later.
    setTimeout(() => {
      this.cloud.release();
      this.bridge?.resume();
      void this.connectBridge();
      void this.setStatus({ updateWaiting: true });
      void this.audit('console', 'update', `the new version did not take over within ${UPDATE_RELOAD_GRACE_MS / 1000} s; this version keeps running and tries again in ${UPDATE_RETRY_MS / 60_000} min`);
      setTimeout(() => this.updates.updateWaiting(), UPDATE_RETRY_MS);
    }, UPDATE_RELOAD_GRACE_MS);
  }

  /** Watches the origin's quota: a warning well before writes start failing. */
  private async checkQuota(): Promise<void> {
    try {
      const { usage = 0, quota = 0 } = await navigator.storage.estimate();
      const persisted = await navigator.storage.persisted();
      const nearlyFull = quota > 0 && usage / quota > QUOTA_WARN_RATIO;
      await this.setStatus({
        storageUsedMb: Math.round(usage / 1048576),
        storageQuotaMb: Math.round(quota / 1048576),
        persisted,
        ...(nearlyFull && this.status.storage === 'ok'
          ? { storageDetail: `Storage on this PC is ${Math.round((100 * usage) / quota)}% full; free disk space before results are refused.` }
          : {}),
      });
    } catch {
      // Not every context offers an estimate; nothing to watch then.
    }
  }

  private async checkVersionPolicy(): Promise<void> {
    try {
      const policy = await this.cloud.versionPolicy();
      await this.prune(policy.retention_days ?? DEFAULT_RETENTION_DAYS, policy.archive_max_mb ?? DEFAULT_ARCHIVE_MAX_MB);
      const min = policy.minimum_version;
      if (!min || compareVersions(APP_VERSION, min) >= 0) return;
      await this.setStatus({ minimumVersion: min });
      this.updates.require();
      broadcast({ type: 'check-update' });
    } catch {
      // The policy is checked again at the next sync.
    }
  }

  /**
   * Patient data does not pile up on a shared PC: results the cloud holds, and traffic it has,
   * go after the cloud's retention; the archive is also kept under its size cap.
   */
  private async prune(retentionDays: number, archiveMaxMb: number): Promise<void> {
    const before = Date.now() - retentionDays * 86_400_000;
    await this.outbox.remove(await this.db.outbox.where('sentAt').below(before).primaryKeys());
    await this.archive.prune(before);
    await this.archive.trimTo(archiveMaxMb * 1024 * 1024);
  }

  /** After a 401: get a new credential if we can; otherwise hold everything until a person logs in. */
  private async reauthenticate(): Promise<boolean> {
    const outcome = await this.credentials.authenticate();
    if (outcome === 'ok') {
      await this.setStatus({ cloud: 'ok', cloudDetail: undefined, station: this.credentials.station?.station, stationName: this.credentials.station?.station_name });
      return true;
    }
    await this.setStatus(
      outcome === 'login-needed'
        ? { cloud: 'login-needed', cloudDetail: 'Log in to the LIS: results are kept in the outbox until then.' }
        : { cloud: 'unreachable', cloudDetail: 'The cloud cannot be reached; results wait in the outbox.' },
    );
    return false;
  }

  /** Makes the running devices match what the cloud assigns to this station. */
  private async syncMachines(): Promise<void> {
    let machines: Machine[];
    try {
      machines = await this.cloud.machines();
      await this.db.settings.put({ key: SETTING_MACHINES, value: machines });
    } catch (err) {
      if (err instanceof CloudError && err.unauthorized && (await this.reauthenticate())) return this.syncMachines();
      await this.setStatus({ cloud: 'unreachable', cloudDetail: (err as Error).message });
      // With the cloud away the analyzers are still driven, from the last configuration seen,
      // and their results fill the outbox.
      const cached = (await this.db.settings.get(SETTING_MACHINES))?.value as Machine[] | undefined;
      if (!cached || this.runners.size > 0) return;
      machines = cached;
    }
    await this.applyMachines(machines);
  }

  private async applyMachines(machines: Machine[]): Promise<void> {
    const station = this.credentials.station?.station;
    const mine = machines.filter((m) => !m.is_sandbox && station !== undefined && m.connection_settings.station === station && (m.transport === 'tcp' || m.transport === 'serial'));
    const wanted = new Map(mine.map((m) => [m.id, m]));
    for (const [id, runner] of this.runners) {
      if (!wanted.has(id)) {
        runner.stop();
        if (runner.machine.transport === 'tcp') this.bridge?.closeDevice(String(id));
        this.runners.delete(id);
        await this.state.devices.delete(id);
      }
    }
    for (const m of mine) {
      const runner = this.runners.get(m.id);
      const changed = runner && JSON.stringify(runner.machine) !== JSON.stringify(m);
      if (runner && !changed) continue;
      if (runner) runner.machine = m;
      else this.runners.set(m.id, new DeviceRunner(m, this.deviceContext()));
      void this.orders.refresh(m.id);
      const existing = await this.state.devices.get(m.id);
      await this.state.devices.put({
        machineId: m.id,
        name: m.name,
        driver: m.driver,
        transport: m.transport,
        port: m.connection_settings.port,
        state: existing?.state ?? 'starting',
        day: today(),
        received: existing?.day === today() ? existing.received : 0,
        queries: existing?.day === today() ? existing.queries : 0,
        naks: existing?.day === today() ? existing.naks : 0,
        errors: existing?.day === today() ? existing.errors : 0,
        ...(existing?.lastMessageAt ? { lastMessageAt: existing.lastMessageAt } : {}),
        ...(station ? { station } : {}),
      });
      if (m.transport === 'tcp' && this.bridge?.connected) this.bridge.openDevice(bridgeSpec(m));
    }
    await this.serial.sync(mine.filter((m) => m.transport === 'serial'));
  }

  /**
   * A bridge installed from the cloud's download carries the station's pairing: it is taken from
   * the cloud unless staff typed a code, which stands until that bridge refuses it.
   */
  private async cloudPairing(): Promise<BridgePairing | null> {
    try {
      const p = await this.cloud.bridgePairing();
      this.fromCloud = p ? { ...p, source: 'cloud' } : null;
      const known = await this.credentials.bridgePairing();
      if (this.fromCloud && known?.source !== 'typed' && (this.fromCloud.token !== known?.token || this.fromCloud.url !== known?.url)) {
        await this.credentials.setBridgePairing(this.fromCloud);
        return this.fromCloud;
      }
    } catch {
      // Offline: the pairing we have will do.
    }
    return null;
  }

  private tcpRunners(): DeviceRunner[] {
    return [...this.runners.values()].filter((r) => r.machine.transport === 'tcp');
  }

  private deviceContext(): DeviceContext {
    return {
      driver: (m: Machine) => driverFor(m.driver),
      write: (conn: ConnId, bytes: Uint8Array) => (conn < 0 ? this.serial.write(-conn, bytes) : void this.bridge?.write(conn, bytes)),
      disconnect: (conn: ConnId) => (conn < 0 ? undefined : this.bridge?.disconnect(conn)),
      store: (m: Machine, results: AnalyzerResult[], skew: number | undefined) => this.storeResults(m, results, skew),
      lookup: (m: Machine, query: AnalyzerQuery, deadlineMs: number) => this.orders.lookup(m, query, deadlineMs),
      recordQuery: (row) => this.state.queries.add(row),
      updateQuery: async (id, patch) => {
        await this.state.queries.update(id, patch).catch(() => {});
      },
      patchDevice: (id: number, patch: (d: DeviceStatus) => void) => this.patchDevice(id, patch),
      deviceEvent: (id: number, kind: string, message: string) => void this.deviceEvent(id, kind, message),
      // Between two analyzer bytes is the only moment an update may go in; checked right then.
      idle: () => {
        void this.updates.poll();
        for (const check of [...this.idleWaiters]) check();
      },
      archive: this.archive,
    };
  }

  private async connectBridge(): Promise<void> {
    this.bridge?.stop();
    let pairing = await this.credentials.bridgePairing();
    if (!pairing) pairing = await this.cloudPairing();
    else
      void this.cloudPairing().then((changed) => {
        if (changed) void this.connectBridge();
      });
    if (!pairing) {
      await this.setStatus({ bridge: 'refused', bridgeDetail: 'This console is not paired with the bridge on this PC. Enter the pairing code the bridge shows, in Settings.' });
      return;
    }
    this.bridge = new BridgeTransport(pairing.url, pairing.token, {
      state: (state: BridgeLinkState, detail?: string, closeCode?: number) => {
        void this.setStatus({ bridge: state, bridgeDetail: detail });
        // The bridge refuses the typed code (it was reinstalled from the cloud's download): the cloud's pairing takes over.
        const fromCloud = this.fromCloud;
        if (closeCode === CLOSE.badToken && pairing!.source === 'typed' && fromCloud && fromCloud.token !== pairing!.token) {
          void this.credentials.setBridgePairing(fromCloud).then(() => this.connectBridge());
          return;
        }
        if (state !== 'connected') {
          this.bridgeUpdater.onDisconnected();
          for (const r of this.tcpRunners()) {
            r.stop();
            void this.patchDevice(r.id, (d) => {
              d.state = 'disconnected';
              d.peer = undefined;
            });
          }
          this.connDevice.clear();
        }
      },
      welcome: (info) => {
        this.bridgeInfo = info;
        void this.setStatus({ bridgeVersion: info.version, bridgeWire: info.wire });
        for (const r of this.tcpRunners()) this.bridge!.openDevice(bridgeSpec(r.machine));
        void this.bridgeUpdater.check(info);
      },
      updateState: (msg) => this.bridgeUpdater.onState(msg),
      deviceState: (device, state, detail) => this.runners.get(Number(device))?.bridgeState(state, detail),
      connOpen: (device, conn, remote) => {
        const runner = this.runners.get(Number(device));
        if (!runner) return this.bridge?.disconnect(conn);
        this.connDevice.set(conn, runner.id);
        runner.connOpen(conn, remote);
      },
      connClose: (device, conn, reason) => {
        this.connDevice.delete(conn);
        this.runners.get(Number(device))?.connClose(conn, reason);
      },
      data: (conn, at, bytes) => {
        if (this.pausing) {
          this.held.push({ conn, at, bytes: bytes.slice() });
          return;
        }
        const id = this.connDevice.get(conn);
        if (id !== undefined) this.runners.get(id)?.data(conn, at, bytes);
      },
      paused: () => this.paused(),
    });
    this.bridge.start();
  }

  private async storeResults(machine: Machine, results: AnalyzerResult[], clockSkewMs: number | undefined, testData = false): Promise<void> {
    if (results.length === 0) return;
    const ctx = { receivedAt: new Date(), clockSkewMs, testData };
    const rows = await Promise.all(results.map((r) => toOutboxResult(machine, r, ctx)));
    try {
      await this.outbox.add(rows);
    } catch (err) {
      this.storageFailed(err as Error);
      throw err;
    }
    if (testData) return;
    // Not awaited: the analyzer's ACK waits for the outbox, never for the UI's counters.
    void this.patchDevice(machine.id, (d) => {
      d.received += results.length;
    });
    void this.orders.refresh(machine.id);
  }

  /**
   * Storage is failing (quota, disk): the analyzers are refused in their protocols' own terms so
   * they keep their results, and storage is probed until it works again.
   */
  private storageFailed(err: Error): void {
    if (!this.storageReady) return;
    this.storageReady = false;
    for (const r of this.runners.values()) r.setStorageReady(false);
    void this.setStatus({
      storage: 'failing',
      storageDetail: `This PC cannot save results (${err.name}: ${err.message}). Analyzers keep their results and resend them later. Free disk space; if results are still refused a minute later, restart Chrome.`,
    }).catch(() => {});
    const probe = setInterval(() => {
      void this.outbox.probeStorage().then((ok) => {
        if (!ok) return;
        clearInterval(probe);
        this.storageReady = true;
        for (const r of this.runners.values()) r.setStorageReady(true);
        void this.setStatus({ storage: 'ok', storageDetail: undefined });
      });
    }, STORAGE_PROBE_MS);
  }

  private async deviceEvent(machineId: number, kind: string, message: string): Promise<void> {
    await this.state.events.add({ machineId, at: Date.now(), kind, message, reported: 0 }).catch(() => {});
    await this.patchDevice(machineId, (d) => {
      if (kind === 'nak') d.naks += 1;
      else d.errors += 1;
    });
  }

  private async reportStatus(): Promise<void> {
    const station = this.credentials.station?.station;
    if (!station) return;
    const devices = await this.state.devices.toArray();
    for (const d of devices) {
      const events = await this.state.events.where('machineId').equals(d.machineId).and((e) => e.reported === 0).toArray();
      try {
        await this.cloud.reportStatus(d.machineId, {
          station,
          state: d.state,
          ...(d.detail ? { detail: d.detail } : {}),
          ...(d.peer ? { peer: d.peer } : {}),
          ...(d.lastMessageAt ? { last_communication_at: new Date(d.lastMessageAt).toISOString() } : {}),
          app_version: APP_VERSION,
          app_build: APP_BUILD,
          ...(this.status.bridgeVersion ? { bridge_version: this.status.bridgeVersion, wire_version: this.status.bridgeWire } : {}),
          events: events.map((e) => ({ at: new Date(e.at).toISOString(), kind: e.kind, message: e.message })),
        });
        if (events.length > 0) await this.state.events.where('id').anyOf(events.map((e) => e.id!)).modify({ reported: 1 });
      } catch {
        return;
      }
    }
  }

  private async uploadLogs(): Promise<void> {
    const station = this.credentials.station?.station;
    if (!station) return;
    try {
      while ((await this.archive.upload(station, (id, entries, st) => this.cloud.uploadLogs(id, { station: st, entries }))) > 0) {
        // keep uploading while there is a backlog
      }
    } catch {
      // The next round tries again; the archive keeps what was not uploaded.
    }
  }

  /** Runs now: status and logs, for tests and for support's "report now". */
  async flushReports(): Promise<void> {
    await this.reportStatus();
    await this.uploadLogs();
  }

  private async patchDevice(machineId: number, patch: (d: DeviceStatus) => void): Promise<void> {
    await this.state.devices
      .where('machineId')
      .equals(machineId)
      .modify((d) => {
        if (d.day !== today()) Object.assign(d, { day: today(), received: 0, queries: 0, naks: 0, errors: 0 });
        patch(d);
      })
      .catch(() => {});
  }

  private async setStatus(patch: Partial<EngineStatus>): Promise<void> {
    this.status = { ...this.status, ...patch, updatedAt: Date.now() };
    this.notify(this.status);
    await this.state.status.put(this.status).catch(() => {});
  }
}

declare const __APP_BUILD__: string | undefined;
