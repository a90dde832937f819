import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_UPDATE_DEFERRAL_MS, UpdateGate } from './update-gate.ts';

describe('UpdateGate', () => {
  afterEach(() => vi.useRealTimers());

  function gate(busy: () => boolean) {
    vi.useFakeTimers();
    const applied: number[] = [];
    const g = new UpdateGate({ busy, apply: () => applied.push(Date.now()), now: () => Date.now() });
    return { g, applied };
  }

  it('applies at once when every device is idle', () => {
    const { g, applied } = gate(() => false);
    g.updateWaiting();
    expect(applied).toHaveLength(1);
    expect(g.waiting).toBe(false);
  });

  it('waits while a device is mid-message, and applies at the first idle moment', () => {
    let busy = true;
    const { g, applied } = gate(() => busy);
    g.updateWaiting();
    vi.advanceTimersByTime(5_000);
    expect(applied).toHaveLength(0);
    busy = false;
    vi.advanceTimersByTime(300);
    expect(applied).toHaveLength(1);
  });

  it('lets staff postpone, but never past the maximum deferral', () => {
    let busy = true;
    const { g, applied } = gate(() => busy);
    const start = Date.now();
    g.updateWaiting();
    g.postpone(60 * 60_000);
    busy = false;
    vi.advanceTimersByTime(MAX_UPDATE_DEFERRAL_MS - 1_000);
    expect(applied).toHaveLength(0);
    vi.advanceTimersByTime(2_000);
    expect(applied.map((t) => t - start)).toEqual([expect.any(Number)]);
    expect(applied[0] - start).toBeGreaterThanOrEqual(MAX_UPDATE_DEFERRAL_MS);
  });

  it('does not let a required update be postponed', () => {
    const { g, applied } = gate(() => false);
    g.require();
    g.updateWaiting();
    expect(applied).toHaveLength(1);
  });
});
