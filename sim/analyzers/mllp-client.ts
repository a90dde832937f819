import { connect, type Socket } from 'node:net';

/**
 * An analyzer's side of an MLLP connection (`VT message FS CR`), kept open as HL7 analyzers keep
 * theirs. Written apart from drivers/hl7 on purpose: the simulator must not share the engine's bugs.
 */

const VT = 0x0b;
const FS = 0x1c;
const CR = 0x0d;

export class MllpClient {
  private buffer: number[] = [];
  private inFrame = false;
  private readonly frames: Uint8Array[] = [];
  private waiter: ((f: Uint8Array | null) => void) | null = null;
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const end = () => {
      this.closed = true;
      this.wake();
    };
    socket.on('close', end);
    socket.on('error', end);
  }

  static open(port: number, host = '127.0.0.1'): Promise<MllpClient> {
    return new Promise((ok, fail) => {
      const socket = connect({ host, port }, () => ok(new MllpClient(socket)));
      socket.once('error', fail);
    });
  }

  private onData(chunk: Buffer): void {
    for (const b of chunk) {
      if (b === VT) {
        this.inFrame = true;
        this.buffer = [];
      } else if (this.inFrame && b === FS) {
        this.inFrame = false;
        this.frames.push(Uint8Array.from(this.buffer));
        this.buffer = [];
      } else if (this.inFrame) this.buffer.push(b);
      // CR after FS and anything between frames is not a message.
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    if (this.frames.length > 0) {
      this.waiter = null;
      w(this.frames.shift()!);
    } else if (this.closed) {
      this.waiter = null;
      w(null);
    }
  }

  send(text: string): void {
    const body = Buffer.from(text, 'utf8');
    this.socket.write(Buffer.concat([Buffer.from([VT]), body, Buffer.from([FS, CR])]));
  }

  /** The next whole message from the host (UTF-8 text), or null on timeout or close. */
  next(timeoutMs: number): Promise<string | null> {
    const decode = (f: Uint8Array | null) => (f === null ? null : Buffer.from(f).toString('utf8'));
    if (this.frames.length > 0) return Promise.resolve(decode(this.frames.shift()!));
    if (this.closed) return Promise.resolve(null);
    return new Promise((ok) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        ok(null);
      }, timeoutMs);
      this.waiter = (f) => {
        clearTimeout(timer);
        ok(decode(f));
      };
    });
  }

  /** Messages that arrived and were not read. */
  pending(): number {
    return this.frames.length;
  }

  close(): void {
    this.socket.end();
  }
}

/** `SEG|a|b^c` → fields by HL7 number (MSH-1 is the field separator itself). */
export function hl7Segments(text: string): Array<{ name: string; field(n: number): string }> {
  return text
    .split('\r')
    .filter((l) => l !== '')
    .map((line) => {
      const parts = line.split('|');
      const name = parts[0];
      return { name, field: (n: number) => (name === 'MSH' ? (n === 1 ? '|' : (parts[n - 1] ?? '')) : (parts[n] ?? '')) };
    });
}
