import type { Machine } from '../../shared/cloud-api.ts';
import { db, stateDb, type DeviceStatus, type EngineStatus } from '../engine/db.ts';
import { useLiveEngineStatus } from './engine-role.ts';
import { useLiveQuery } from './use-live-query.ts';

/** Settings keys the engine writes (engine.ts, credentials.ts); read here without importing the engine. */
const SETTING_MACHINES = 'machines';
const SETTING_BRIDGE = 'bridge-pairing';

/** The engine's state: straight from the leader's worker in the leader window, from the database elsewhere. */
export function useEngineStatus(): EngineStatus | undefined {
  const stored = useLiveQuery(() => stateDb.status.get('engine'), [], undefined as EngineStatus | undefined);
  const live = useLiveEngineStatus();
  return live && (!stored || live.updatedAt >= stored.updatedAt) ? live : stored;
}

export function useDevices(): DeviceStatus[] | undefined {
  return useLiveQuery(() => stateDb.devices.orderBy('machineId').toArray(), [], undefined as DeviceStatus[] | undefined);
}

/** The machines the cloud configured, as the engine last read them (names, sandboxes, test mappings). */
export function useMachines(): Machine[] {
  return useLiveQuery(async () => ((await db.settings.get(SETTING_MACHINES))?.value as Machine[] | undefined) ?? [], [], [] as Machine[]);
}

/** The bridge's address (never its token) for the health check that triggers Chrome's permission prompt. */
export function useBridgeUrl(): string | null {
  return useLiveQuery(async () => ((await db.settings.get(SETTING_BRIDGE))?.value as { url?: string } | undefined)?.url ?? null, [], null as string | null);
}

export interface MachineLabel {
  name: string;
  /** True for a machine's sandbox copy (simulator traffic). */
  sandbox: boolean;
}

/** Names for machine ids, sandbox copies included, from the configuration and the device list. */
export function machineLabels(machines: Machine[], devices: DeviceStatus[] | undefined): Map<number, MachineLabel> {
  const out = new Map<number, MachineLabel>();
  for (const d of devices ?? []) out.set(d.machineId, { name: d.name, sandbox: false });
  for (const m of machines) {
    // A sandbox copy is named after the machine it copies (below), in the console's language.
    if (m.is_sandbox) continue;
    out.set(m.id, { name: m.name, sandbox: false });
    if (m.sandbox_id !== undefined) out.set(m.sandbox_id, { name: m.name, sandbox: true });
  }
  return out;
}

export interface DeliveryCounts {
  queued: number;
  sent: number;
  failed: number;
}

function midnight(now = new Date()): number {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
}

/**
 * The UI reads results from the engine's copy of the outbox (stateDb.results), never the outbox
 * itself: a UI thread stalled inside a read transaction would hold back the write an analyzer's
 * ACK waits for.
 *
 * Today's outbox counters per machine: queued (pending now), sent today, failed (dead letters
 * still there). Read through the outbox's indexes, so a large delivered history costs nothing.
 */
export function useDeliveryCounts(): Map<number, DeliveryCounts> {
  return useLiveQuery(
    async () => {
      const counts = new Map<number, DeliveryCounts>();
      const at = (id: number) => {
        let c = counts.get(id);
        if (!c) counts.set(id, (c = { queued: 0, sent: 0, failed: 0 }));
        return c;
      };
      await stateDb.results.where('state').equals('pending').each((r) => void at(r.machineId).queued++);
      await stateDb.results.where('state').equals('dead').each((r) => {
        if (!r.discarded) at(r.machineId).failed++;
      });
      await stateDb.results.where('sentAt').aboveOrEqual(midnight()).each((r) => void at(r.machineId).sent++);
      return counts;
    },
    [],
    new Map<number, DeliveryCounts>(),
  );
}
