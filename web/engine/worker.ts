/// <reference lib="webworker" />
import { archiveDb, db, stateDb } from './db.ts';
import { Engine } from './engine.ts';
import { runAsLeader } from './leader-lock.ts';
import type { WorkerToPage } from './worker-messages.ts';
import type { SerialLike } from '../transports/serial-transport.ts';

/**
 * The engine lives in a dedicated worker: a hidden tab's main thread has its timers throttled far
 * below the protocols' 15 s timers, and a busy UI must never delay an ACK.
 */
const tell = (msg: WorkerToPage) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(msg);

/** The real Web Serial, or, in the e2e build only, a simulator's ports named by the page. */
async function serialPorts(): Promise<SerialLike | null> {
  if (import.meta.env.MODE === 'e2e') {
    const fake = new URLSearchParams(self.name.split('?')[1] ?? '').get('fake-serial');
    if (fake) return new (await import('../transports/fake-serial.ts')).FakeSerial(fake);
  }
  return (navigator as Navigator & { serial?: SerialLike }).serial ?? null;
}

runAsLeader(
  async () => {
    tell({ type: 'role', role: 'leader' });
    await new Engine(db, stateDb, archiveDb, self.location.origin, await serialPorts(), (status) => tell({ type: 'status', status })).start();
  },
  () => tell({ type: 'role', role: 'follower' }),
);
