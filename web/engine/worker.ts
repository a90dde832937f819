/// <reference lib="webworker" />
import { db } from './db.ts';
import { Engine } from './engine.ts';
import { runAsLeader } from './leader-lock.ts';

/**
 * The engine lives in a dedicated worker: a hidden tab's main thread has its timers throttled far
 * below the protocols' 15 s timers, and a busy UI must never delay an ACK.
 */
runAsLeader(
  async () => {
    await new Engine(db, self.location.origin).start();
  },
  () => {
    void db.status.put({ id: 'engine', bridge: 'connecting', cloud: 'ok', leader: false, updatedAt: Date.now() });
  },
);
