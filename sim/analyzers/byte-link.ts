import { connect } from 'node:net';

/** Whatever carries an analyzer's bytes: a TCP socket, or a simulated serial line. */
export interface Wire {
  write(bytes: Uint8Array): void;
  onData(listener: (bytes: Uint8Array) => void): void;
  onClose(listener: () => void): void;
  close(): void;
}

/** A connection to the host read one byte at a time, as an analyzer's link layer does. */
export class ByteLink {
  private readonly queue: number[] = [];
  private waiter: ((b: number | null) => void) | null = null;
  private closed = false;

  constructor(private readonly wire: Wire) {
    wire.onData((chunk) => {
      for (const b of chunk) this.queue.push(b);
      this.wake();
    });
    wire.onClose(() => {
      this.closed = true;
      this.wake();
    });
  }

  static open(host: string, port: number): Promise<ByteLink> {
    return new Promise((ok, fail) => {
      const socket = connect({ host, port }, () =>
        ok(
          new ByteLink({
            write: (b) => socket.write(b),
            onData: (l) => socket.on('data', l),
            onClose: (l) => {
              socket.on('close', l);
              socket.on('error', l);
            },
            close: () => socket.end(),
          }),
        ),
      );
      socket.once('error', fail);
    });
  }

  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    if (this.queue.length > 0) {
      this.waiter = null;
      w(this.queue.shift()!);
    } else if (this.closed) {
      this.waiter = null;
      w(null);
    }
  }

  /** The next byte from the host, or null on timeout or close. */
  next(timeoutMs: number): Promise<number | null> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift()!);
    if (this.closed) return Promise.resolve(null);
    return new Promise((ok) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        ok(null);
      }, timeoutMs);
      this.waiter = (b) => {
        clearTimeout(timer);
        ok(b);
      };
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes that arrived and were not read yet (what a simulator inspects after a reply). */
  drain(): number[] {
    return this.queue.splice(0);
  }

  write(bytes: Uint8Array): void {
    this.wire.write(bytes);
  }

  close(): void {
    this.wire.close();
  }
}
