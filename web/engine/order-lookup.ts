import type { Machine, OrderResponse, WorkOrder } from '../../shared/cloud-api.ts';
import type { OrderInfo } from '../../drivers/driver.ts';
import type { AnalyzerQuery } from '../../drivers/result-model.ts';
import type { CloudClient } from './cloud-client.ts';
import type { LookupAnswer } from './device-runner.ts';

export function toOrderInfo(o: OrderResponse | WorkOrder): OrderInfo {
  const patient = 'patient' in o && o.patient ? { ...(o.patient.sex ? { sex: o.patient.sex } : {}), ...(o.patient.birth_date ? { birthDate: o.patient.birth_date } : {}) } : undefined;
  return {
    barcode: o.barcode,
    tests: o.tests,
    ...(o.specimen_type ? { specimenType: o.specimen_type } : {}),
    ...(o.priority ? { priority: o.priority } : {}),
    ...(patient ? { patient } : {}),
  };
}

/** A machine's pending work orders are re-read at most this often on traffic (the periodic refresh is separate). */
export const MIN_REFRESH_MS = 10_000;

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, fail) => setTimeout(() => fail(new Error(`no answer within ${Math.round(ms)} ms`)), ms))]);
}

/**
 * Answers host queries: the cloud first, within half the analyzer's reply window; then the local
 * copy of the analyzer's pending work orders, marked as answered from cache; else an error reply.
 * A tube missing from the cache is not "nothing ordered": only the cloud can say that.
 */
export class OrderLookup {
  private readonly cache = new Map<number, Map<string, OrderInfo>>();
  private readonly refreshing = new Set<number>();
  private readonly lastRefresh = new Map<number, number>();
  private readonly scheduled = new Map<number, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly cloud: CloudClient,
    private readonly minRefreshMs = MIN_REFRESH_MS,
  ) {}

  /**
   * Re-reads a machine's pending work orders. Called after every stored message, so calls within
   * `minRefreshMs` of the last read fold into one read at the end of that interval: a busy analyzer
   * must not turn into a request per message against the cloud.
   */
  refresh(machineId: number): void {
    if (this.scheduled.has(machineId)) return;
    const wait = (this.lastRefresh.get(machineId) ?? -Infinity) + this.minRefreshMs - Date.now();
    if (wait <= 0) return void this.read(machineId);
    this.scheduled.set(
      machineId,
      setTimeout(() => {
        this.scheduled.delete(machineId);
        void this.read(machineId);
      }, wait),
    );
  }


  private async read(machineId: number): Promise<void> {
    if (this.refreshing.has(machineId)) return;
    this.refreshing.add(machineId);
    this.lastRefresh.set(machineId, Date.now());
    try {
      const orders = await this.cloud.workOrders(machineId);
      this.cache.set(machineId, new Map(orders.map((o) => [o.barcode, toOrderInfo(o)])));
    } catch {
      // Keep the last copy: an old cache still answers better than none.
    } finally {
      this.refreshing.delete(machineId);
    }
  }

  async lookup(machine: Machine, query: AnalyzerQuery, deadlineMs: number): Promise<LookupAnswer> {
    const cached = this.cache.get(machine.id);
    if (query.all) {
      try {
        const all = await within(this.cloud.workOrders(machine.id), deadlineMs);
        return { kind: 'orders', orders: all.map(toOrderInfo), source: 'cloud' };
      } catch (err) {
        if (cached) return { kind: 'orders', orders: [...cached.values()], source: 'cache' };
        return { kind: 'error', reason: `work orders unavailable: ${(err as Error).message}`, source: 'none' };
      }
    }
    const live = await Promise.allSettled(query.sampleIds.map((id) => within(this.cloud.order(machine.id, id, deadlineMs), deadlineMs)));
    if (live.every((r) => r.status === 'fulfilled')) {
      return { kind: 'orders', orders: live.map((r) => toOrderInfo((r as PromiseFulfilledResult<OrderResponse>).value)), source: 'cloud' };
    }
    const orders: OrderInfo[] = [];
    for (const [i, id] of query.sampleIds.entries()) {
      const r = live[i];
      const order = r.status === 'fulfilled' ? toOrderInfo(r.value) : cached?.get(id);
      if (!order) {
        const why = r.status === 'rejected' ? (r.reason as Error).message : 'unknown';
        return { kind: 'error', reason: `order for ${id} unavailable: the cloud did not answer (${why}) and it is not in the local order cache`, source: 'none' };
      }
      orders.push(order);
    }
    return { kind: 'orders', orders, source: 'cache' };
  }
}
