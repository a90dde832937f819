/**
 * One analyzer on a serial port, through Web Serial. Break, framing, parity and overrun errors
 * error the readable stream but are not fatal: a new `port.readable` appears, so reading goes on.
 * Unplugging is fatal (NetworkError): the port is reopened when the OS reports it back.
 */

export interface SerialSettings {
  baudRate: number;
  dataBits: 7 | 8;
  stopBits: 1 | 2;
  parity: 'none' | 'even' | 'odd';
  flowControl: 'none' | 'hardware';
}

export interface SerialEvents {
  open(): void;
  data(bytes: Uint8Array): void;
  /** A recoverable line error (break, framing, parity, overrun): reading continues. */
  lineError(name: string): void;
  closed(reason: string): void;
}

/** The subset of Web Serial's SerialPort the transport uses (a fake one implements the same). */
export interface SerialPortLike {
  open(options: SerialSettings & { bufferSize?: number }): Promise<void>;
  close(): Promise<void>;
  readonly readable: ReadableStream<Uint8Array> | null;
  readonly writable: WritableStream<Uint8Array> | null;
  getInfo(): { usbVendorId?: number; usbProductId?: number };
}

export interface SerialLike {
  getPorts(): Promise<SerialPortLike[]>;
  addEventListener(type: 'connect' | 'disconnect', listener: (ev: Event) => void): void;
}

const FATAL = new Set(['NetworkError', 'InvalidStateError', 'NotFoundError']);

export class SerialConnection {
  private reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  private stopping = false;
  private writeChain: Promise<void> = Promise.resolve();

  constructor(
    private readonly port: SerialPortLike,
    private readonly settings: SerialSettings,
    private readonly events: SerialEvents,
  ) {}

  async start(): Promise<void> {
    await this.port.open({ ...this.settings, bufferSize: 64 * 1024 });
    this.events.open();
    void this.readLoop();
  }

  private async readLoop(): Promise<void> {
    let reason = 'port closed';
    while (this.port.readable && !this.stopping) {
      const reader = this.port.readable.getReader();
      this.reader = reader;
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          if (value && value.length > 0) this.events.data(value);
        }
      } catch (err) {
        const name = (err as DOMException).name ?? 'Error';
        if (FATAL.has(name)) {
          reason = `the serial port went away (${name}): check the cable`;
          break;
        }
        this.events.lineError(name);
      } finally {
        reader.releaseLock();
        this.reader = null;
      }
    }
    await this.port.close().catch(() => {});
    this.events.closed(this.stopping ? 'stopped' : reason);
  }

  write(bytes: Uint8Array): void {
    this.writeChain = this.writeChain.then(async () => {
      const writable = this.port.writable;
      if (!writable) return;
      const writer = writable.getWriter();
      try {
        await writer.write(bytes);
      } catch (err) {
        this.events.lineError((err as Error).name);
      } finally {
        writer.releaseLock();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.reader?.cancel().catch(() => {});
  }
}

export function serialSettingsFrom(s: { baud_rate?: number; data_bits?: number; stop_bits?: number; parity?: string; flow_control?: unknown }): SerialSettings {
  return {
    baudRate: s.baud_rate ?? 9600,
    dataBits: s.data_bits === 7 ? 7 : 8,
    stopBits: s.stop_bits === 2 ? 2 : 1,
    parity: s.parity === 'even' || s.parity === 'odd' ? s.parity : 'none',
    flowControl: s.flow_control === 'hardware' ? 'hardware' : 'none',
  };
}
