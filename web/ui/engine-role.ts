import { useSyncExternalStore } from 'react';
import type { EngineStatus } from '../engine/db.ts';
import type { WorkerToPage } from '../engine/worker-messages.ts';

export type Role = 'starting' | 'leader' | 'follower';

let role: Role = 'starting';
let liveStatus: EngineStatus | undefined;
const listeners = new Set<() => void>();

/** Starts this window's engine worker; only one window's worker wins the leader lock and drives. */
export function startEngineWorker(): Worker {
  // The e2e build passes the page's test switches to the worker through its name.
  const name = import.meta.env.MODE === 'e2e' ? `lis-engine${location.search}` : 'lis-engine';
  const worker = new Worker(new URL('../engine/worker.ts', import.meta.url), { type: 'module', name });
  worker.onmessage = (ev: MessageEvent<WorkerToPage>) => {
    if (ev.data.type === 'role') role = ev.data.role;
    else liveStatus = ev.data.status;
    for (const l of listeners) l();
  };
  return worker;
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function useEngineRole(): Role {
  return useSyncExternalStore(subscribe, () => role);
}

/** The leader window hears the engine directly; followers read what it wrote to the database. */
export function useLiveEngineStatus(): EngineStatus | undefined {
  return useSyncExternalStore(subscribe, () => liveStatus);
}
