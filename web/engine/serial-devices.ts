import type { Machine } from '../../shared/cloud-api.ts';
import { SerialConnection, serialSettingsFrom, type SerialLike, type SerialPortLike } from '../transports/serial-transport.ts';
import type { ConsoleDb } from './db.ts';
import type { DeviceRunner } from './device-runner.ts';

export const SETTING_SERIAL_BINDINGS = 'serial-bindings';

/** How a granted port is recognised again: its USB ids, and its place among equal ports. */
export interface SerialBinding {
  usbVendorId?: number;
  usbProductId?: number;
  index: number;
}

/** Serial connections get negative ids so they never meet a bridge connection's. */
export const serialConnId = (machineId: number) => -machineId;

/**
 * Analyzers on serial ports. Each is bound to a granted port (by USB vendor and product id where
 * the port has them, else by the user's choice), opened with the cloud's line settings, reopened
 * after a fatal error once the port is back, and read until it is stopped.
 */
export class SerialDevices {
  private readonly open = new Map<number, SerialConnection>();
  private machines: Machine[] = [];

  constructor(
    private readonly serial: SerialLike | null,
    private readonly db: ConsoleDb,
    private readonly runner: (machineId: number) => DeviceRunner | undefined,
    private readonly notGranted: (machineId: number) => void,
  ) {
    serial?.addEventListener('connect', () => void this.sync(this.machines));
  }

  async sync(machines: Machine[]): Promise<void> {
    this.machines = machines;
    for (const [id, conn] of this.open) {
      if (!machines.some((m) => m.id === id)) {
        await conn.stop();
        this.open.delete(id);
      }
    }
    if (!this.serial) {
      for (const m of machines) this.notGranted(m.id);
      return;
    }
    const ports = await this.serial.getPorts();
    const bindings = await this.bindings(machines, ports);
    for (const m of machines) {
      if (this.open.has(m.id)) continue;
      const port = bindings.get(m.id);
      if (!port) {
        this.notGranted(m.id);
        continue;
      }
      await this.start(m, port);
    }
  }

  /** Keeps known bindings; binds a lone unbound port to a lone unbound machine by itself. */
  private async bindings(machines: Machine[], ports: SerialPortLike[]): Promise<Map<number, SerialPortLike>> {
    const saved = ((await this.db.settings.get(SETTING_SERIAL_BINDINGS))?.value as Record<number, SerialBinding> | undefined) ?? {};
    const out = new Map<number, SerialPortLike>();
    const used = new Set<SerialPortLike>();
    for (const m of machines) {
      const b = saved[m.id];
      if (!b) continue;
      const same = ports.filter((p) => p.getInfo().usbVendorId === b.usbVendorId && p.getInfo().usbProductId === b.usbProductId);
      const port = same[b.index] ?? same[0];
      if (port && !used.has(port)) {
        out.set(m.id, port);
        used.add(port);
      }
    }
    const freeMachines = machines.filter((m) => !out.has(m.id) && !saved[m.id]);
    const freePorts = ports.filter((p) => !used.has(p));
    if (freeMachines.length === 1 && freePorts.length === 1) {
      const port = freePorts[0];
      const info = port.getInfo();
      const index = ports.filter((p) => p.getInfo().usbVendorId === info.usbVendorId && p.getInfo().usbProductId === info.usbProductId).indexOf(port);
      saved[freeMachines[0].id] = { usbVendorId: info.usbVendorId, usbProductId: info.usbProductId, index };
      await this.db.settings.put({ key: SETTING_SERIAL_BINDINGS, value: saved });
      out.set(freeMachines[0].id, port);
    }
    return out;
  }

  private async start(machine: Machine, port: SerialPortLike): Promise<void> {
    const conn = serialConnId(machine.id);
    const connection = new SerialConnection(port, serialSettingsFrom(machine.connection_settings), {
      open: () => this.runner(machine.id)?.connOpen(conn, 'serial'),
      data: (bytes) => this.runner(machine.id)?.data(conn, Date.now(), bytes),
      lineError: (name) => this.runner(machine.id)?.lineError(name),
      closed: (reason) => {
        this.open.delete(machine.id);
        this.runner(machine.id)?.connClose(conn, reason);
      },
    });
    this.open.set(machine.id, connection);
    try {
      await connection.start();
    } catch (err) {
      this.open.delete(machine.id);
      this.runner(machine.id)?.connClose(conn, `cannot open the serial port: ${(err as Error).message}`);
    }
  }

  write(machineId: number, bytes: Uint8Array): void {
    this.open.get(machineId)?.write(bytes);
  }
}
