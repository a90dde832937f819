import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkOrder } from '../../shared/cloud-api.ts';
import type { CloudClient } from './cloud-client.ts';
import { OrderLookup } from './order-lookup.ts';

function fakeCloud() {
  const reads: number[] = [];
  const cloud = { workOrders: async (id: number): Promise<WorkOrder[]> => (reads.push(id), []) } as unknown as CloudClient;
  return { cloud, reads };
}

describe('OrderLookup.refresh', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('folds a burst of refreshes (one per stored message) into one read now and one at the end of the interval', async () => {
    const { cloud, reads } = fakeCloud();
    const lookup = new OrderLookup(cloud, 10_000);
    for (let i = 0; i < 50; i++) {
      lookup.refresh(3);
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(reads).toEqual([3]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(reads).toEqual([3, 3]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(reads).toEqual([3, 3]);
  });

  it('keeps machines apart', async () => {
    const { cloud, reads } = fakeCloud();
    const lookup = new OrderLookup(cloud, 10_000);
    lookup.refresh(1);
    lookup.refresh(2);
    lookup.refresh(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(reads.sort()).toEqual([1, 2]);
  });
});
