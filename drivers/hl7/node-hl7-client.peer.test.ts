/**
 * A real HL7 peer: node-hl7-client sends 10 000 ORU^R01 over one kept-open MLLP connection to a
 * node:net receiver that wraps Hl7Session. Every message must get exactly one ACK whose MSA-2 is
 * its own MSH-10.
 */

import { once } from 'node:events';
import net from 'node:net';
import { Client, Message, type InboundResponse } from 'node-hl7-client';
import { afterAll, describe, expect, it } from 'vitest';
import { dh36Oru } from './fixtures/dh36-oru.ts';
import { Hl7Session, type Hl7Event } from './session.ts';

const MESSAGES = 10_000;

interface Receiver {
  port: number;
  connections: number;
  received: string[];
  acksWritten: number;
  unexpected: Hl7Event[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const sockets = new Set<net.Socket>();
  const state = { connections: 0, received: [] as string[], acksWritten: 0, unexpected: [] as Hl7Event[] };
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.setNoDelay(true);
    const session = new Hl7Session({ ackMessageType: 'ACK^R01' });
    const write = (frames: Uint8Array[]) => {
      for (const f of frames) socket.write(f);
      state.acksWritten += frames.length;
    };
    socket.on('data', (chunk: Buffer) => {
      const out = session.receive(chunk, Date.now());
      write(out.write);
      for (const e of out.events) {
        if (e.type === 'frame') continue;
        if (e.type !== 'message' || e.kind !== 'oru') {
          state.unexpected.push(e);
          continue;
        }
        state.received.push(e.controlId);
        write(session.stored(e.storeId, true, Date.now()).write);
      }
    });
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return Object.assign(state, {
    port,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

describe('node-hl7-client → Hl7Session over one kept-open MLLP connection', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterAll(async () => cleanup?.());

  it(`gets exactly one ACK, MSA-2 = its MSH-10, for each of ${MESSAGES} messages`, async () => {
    const receiver = await startReceiver();
    const client = new Client({ host: '127.0.0.1' });
    const texts = Array.from({ length: MESSAGES }, (_, i) => dh36Oru(i).text);
    const acked: string[] = [];
    const codes = new Set<string>();
    let sent = 0;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    // waitAck: the client sends the next message only after the previous one's ACK, as an analyzer does.
    const connection = client.createConnection({ port: receiver.port, waitAck: true }, async (res: InboundResponse) => {
      const ack = res.getMessage();
      acked.push(ack.get('MSA.2').toString());
      codes.add(ack.get('MSA.1').toString());
      if (sent < MESSAGES) await connection.sendMessage(new Message({ text: texts[sent++] }));
      else finish();
    });
    cleanup = async () => {
      await connection.close();
      await receiver.close();
    };
    await once(connection, 'connect');
    const started = performance.now();
    await connection.sendMessage(new Message({ text: texts[sent++] }));
    await done;
    const seconds = (performance.now() - started) / 1000;
    // Anything sent twice would arrive after the last expected ACK: give it the time to show up.
    await new Promise((r) => setTimeout(r, 200));

    expect(receiver.connections).toBe(1);
    expect(receiver.unexpected).toEqual([]);
    expect(receiver.received).toHaveLength(MESSAGES);
    expect(receiver.acksWritten).toBe(MESSAGES);
    expect(acked).toEqual(texts.map((_, i) => `dh36-${i}`));
    expect([...codes]).toEqual(['AA']);
    console.log(`node-hl7-client peer: ${MESSAGES} messages acknowledged in ${seconds.toFixed(2)} s (${Math.round(MESSAGES / seconds)} round trips/s)`);
  }, 60_000);
});
