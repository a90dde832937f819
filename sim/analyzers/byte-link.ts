import { connect, type Socket } from 'node:net';

/** A TCP connection to the host read one byte at a time, as an analyzer's link layer does. */
export class ByteLink {
  private readonly queue: number[] = [];
  private waiter: ((b: number | null) => void) | null = null;
  private closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const b of chunk) this.queue.push(b);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(host: string, port: number): Promise<ByteLink> {
    return new Promise((ok, fail) => {
      const socket = connect({ host, port }, () => ok(new ByteLink(socket)));
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

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.end();
  }
}
