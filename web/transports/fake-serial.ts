import type { SerialLike, SerialPortLike, SerialSettings } from './serial-transport.ts';

/**
 * TEST ONLY (built into the e2e bundle, never into production): a stand-in for `navigator.serial`
 * whose ports are lines of a simulator reached over a WebSocket. It works wherever the engine
 * runs, dedicated workers included, which Playwright's init scripts do not reach.
 *
 * The simulator serves `GET <http>/ports` → `[{id, usbVendorId, usbProductId}]`, a WebSocket per
 * port at `<ws>/line/<id>` (binary frames are line bytes; text `{"t":"break"}` is a line break),
 * and `<ws>/events`, where `{"t":"unplug","id"}` and `{"t":"plug","id"}` pull and restore a cable.
 */
class FakePort implements SerialPortLike {
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;
  private ws: WebSocket | null = null;
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;

  constructor(
    private readonly base: string,
    readonly id: string,
    private readonly info: { usbVendorId?: number; usbProductId?: number },
    private readonly serial: FakeSerial,
  ) {}

  getInfo() {
    return this.info;
  }

  async open(_settings: SerialSettings): Promise<void> {
    if (!this.serial.present.has(this.id)) throw new DOMException('The device has been lost.', 'NetworkError');
    const ws = new WebSocket(`${this.base.replace(/^http/, 'ws')}/line/${this.id}`);
    ws.binaryType = 'arraybuffer';
    await new Promise<void>((ok, fail) => {
      ws.onopen = () => ok();
      ws.onerror = () => fail(new DOMException('Failed to open serial port.', 'NetworkError'));
    });
    this.ws = ws;
    this.newReadable();
    this.writable = new WritableStream<Uint8Array>({ write: (chunk) => ws.send(chunk.slice()) });
    ws.onmessage = (ev) => {
      if (ev.data instanceof ArrayBuffer) {
        this.controller?.enqueue(new Uint8Array(ev.data));
        return;
      }
      const msg = JSON.parse(String(ev.data)) as { t: string };
      if (msg.t === 'break') this.fail(new DOMException('Break received', 'BreakError'), true);
    };
    ws.onclose = () => this.fail(new DOMException('The device has been lost.', 'NetworkError'), false);
  }

  private newReadable(): void {
    this.readable = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.controller = c;
      },
      cancel: () => {
        this.controller = null;
      },
    });
  }

  /** Errors the current stream; a recoverable error leaves a fresh readable behind, as Chrome does. */
  fail(err: DOMException, recoverable: boolean): void {
    const c = this.controller;
    this.controller = null;
    if (recoverable) this.newReadable();
    else this.readable = null;
    c?.error(err);
  }

  async close(): Promise<void> {
    this.ws?.close();
    this.ws = null;
    this.readable = null;
    this.writable = null;
  }
}

export class FakeSerial extends EventTarget implements SerialLike {
  readonly present = new Set<string>();
  private ports: FakePort[] | null = null;

  constructor(private readonly base: string) {
    super();
  }

  async getPorts(): Promise<SerialPortLike[]> {
    if (!this.ports) {
      const list = (await (await fetch(`${this.base}/ports`)).json()) as { id: string; usbVendorId?: number; usbProductId?: number }[];
      this.ports = list.map((p) => new FakePort(this.base, p.id, { usbVendorId: p.usbVendorId, usbProductId: p.usbProductId }, this));
      for (const p of list) this.present.add(p.id);
      const events = new WebSocket(`${this.base.replace(/^http/, 'ws')}/events`);
      events.onmessage = (ev) => {
        const msg = JSON.parse(String(ev.data)) as { t: string; id: string };
        if (msg.t === 'unplug') this.unplug(msg.id);
        if (msg.t === 'plug') this.plug(msg.id);
      };
      await new Promise<void>((ok) => {
        events.onopen = () => ok();
        events.onerror = () => ok();
      });
    }
    return this.ports.filter((p) => this.present.has(p.id));
  }

  unplug(id: string): void {
    this.present.delete(id);
    const port = this.ports?.find((p) => p.id === id);
    port?.fail(new DOMException('The device has been lost.', 'NetworkError'), false);
    this.dispatchEvent(Object.assign(new Event('disconnect'), { port }));
  }

  plug(id: string): void {
    this.present.add(id);
    const port = this.ports?.find((p) => p.id === id);
    this.dispatchEvent(Object.assign(new Event('connect'), { port }));
  }
}
