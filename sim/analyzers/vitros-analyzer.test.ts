import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { VitrosAnalyzer } from './vitros-analyzer.ts';

/**
 * The VITROS simulator against a scripted host: it must refuse what VITROS refused in the field
 * (answering with its M…E record) and withdraw a query it got no reply to.
 */

const ENQ = 0x05;
const ACK = 0x06;
const EOT = 0x04;
const ETX = 0x03;
const LF = 0x0a;
const MALFORMED = new Uint8Array(readFileSync(new URL('../../drivers/analyzers/fixtures/host_to_vitros3600_order_reply_MALFORMED_singleframe.bin', import.meta.url)));

/** A host that ACKs everything and keeps each message the analyzer sent (frames' text, joined). */
class ScriptedHost {
  readonly messages: string[] = [];
  socket: Socket | null = null;
  private text = '';
  private waiters: Array<() => void> = [];
  private ackWaiter: (() => void) | null = null;

  constructor(readonly server: Server) {
    server.on('connection', (s) => {
      this.socket = s;
      s.on('data', (chunk) => this.onData(chunk));
    });
  }

  private onData(chunk: Buffer): void {
    for (const b of chunk) {
      if (b === ACK && this.ackWaiter) {
        const w = this.ackWaiter;
        this.ackWaiter = null;
        w();
      } else if (b === ENQ) this.socket!.write(Uint8Array.of(ACK));
      else if (b === LF) this.socket!.write(Uint8Array.of(ACK));
      else if (b === EOT) {
        this.messages.push(this.text);
        this.text = '';
        for (const w of this.waiters.splice(0)) w();
      } else this.text += String.fromCharCode(b);
    }
  }

  nextMessage(count: number): Promise<void> {
    return this.messages.length >= count ? Promise.resolve() : new Promise((ok) => this.waiters.push(() => (this.messages.length >= count ? ok() : this.nextMessage(count).then(ok))));
  }

  private ack(): Promise<void> {
    return new Promise((ok) => (this.ackWaiter = ok));
  }

  /** Sends a message the way a (possibly broken) host does: ENQ, the given frames one by one, EOT. */
  async send(frames: Uint8Array[]): Promise<void> {
    this.socket!.write(Uint8Array.of(ENQ));
    await this.ack();
    for (const f of frames) {
      this.socket!.write(f);
      await this.ack();
    }
    this.socket!.write(Uint8Array.of(EOT));
  }
}

let server: Server | null = null;
afterEach(() => new Promise<void>((ok) => (server ? server.close(() => ok()) : ok())));

async function start(): Promise<{ host: ScriptedHost; port: number }> {
  server = createServer();
  const host = new ScriptedHost(server);
  await new Promise<void>((ok) => server!.listen(0, '127.0.0.1', ok));
  return { host, port: (server.address() as { port: number }).port };
}

describe('VITROS simulator', () => {
  it('refuses the malformed field reply and sends back M|1|E|PY1|033|N|Unable to find program…', async () => {
    const { host, port } = await start();
    const vitros = await VitrosAnalyzer.connect({ port });
    const outcome = vitros.query('1068687');
    await host.nextMessage(1);
    expect(host.messages[0]).toMatch(/Q\|1\|\^1068687\|\|ALL\|\|\|\|\|\|\|\|O\r/);
    // The captured reply: everything in one frame (the capture holds no ENQ/EOT of its own).
    expect(MALFORMED[MALFORMED.length - 1]).toBe(LF);
    expect(MALFORMED.indexOf(ETX)).toBe(MALFORMED.length - 5);
    await host.send([MALFORMED]);
    const result = await outcome;
    expect(result.kind).toBe('rejected');
    if (result.kind === 'rejected') expect(result.problems).toContain('frame 1: holds 4 records; VITROS takes one record per frame');
    await host.nextMessage(2);
    expect(host.messages[1]).toContain('M|1|E|PY1|033|N|Unable to find program for sample 1068687\r');
    vitros.close();
  });

  it('withdraws a query it got no reply to within its window (Q-13 A, L|1|T)', async () => {
    const { host, port } = await start();
    const vitros = await VitrosAnalyzer.connect({ port, replyWindowMs: 100 });
    expect((await vitros.query('1068687')).kind).toBe('cancelled');
    await host.nextMessage(2);
    expect(host.messages[1]).toMatch(/Q\|1\|\^1068687\|\|ALL\|\|\|\|\|\|\|\|A\r.*L\|1\|T\r/s);
    vitros.close();
  });
});
