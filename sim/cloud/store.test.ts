import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResultItem } from '../../shared/cloud-api.ts';
import { CloudStore } from './store.ts';

const item = (key: string, barcode = 'B1'): ResultItem => ({
  idempotency_key: key,
  machine_id: 3,
  barcode,
  test_code: 'GLU',
  test_id: '^^^GLU',
  value: '99',
  units: 'mg/dl',
  reference_range: '70 to 110',
  flags: [],
  status: '',
  completed_at_raw: '20261124',
  received_at: new Date().toISOString(),
});

describe('dev cloud store', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), 'cloud-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('answers a repeated key with the stored row, never a second one', () => {
    const s = new CloudStore(fresh());
    const [a] = s.postResults([item('key-00001')]).items;
    const [b, c] = s.postResults([item('key-00001'), item('key-00002')]).items;
    expect(a).toMatchObject({ status: 'stored' });
    expect(b).toEqual({ idempotency_key: 'key-00001', status: 'duplicate', id: (a as { id: number }).id });
    expect(c).toMatchObject({ status: 'stored' });
    expect(s.results({})).toHaveLength(2);
  });

  it('rejects an item it cannot store, with a reason, and stores the rest', () => {
    const s = new CloudStore(fresh());
    const out = s.postResults([{ ...item('key-00003'), machine_id: 99 }, item('key-00004')]).items;
    expect(out[0]).toEqual({ idempotency_key: 'key-00003', status: 'rejected', reason: 'unknown machine 99' });
    expect(out[1]).toMatchObject({ status: 'stored' });
  });

  it('keeps its state across restarts', () => {
    const dir = fresh();
    new CloudStore(dir).postResults([item('key-00005')]);
    const again = new CloudStore(dir);
    expect(again.results({})).toHaveLength(1);
    expect(again.postResults([item('key-00005')]).items[0]).toMatchObject({ status: 'duplicate' });
  });

  it('answers an order lookup with an empty test list when nothing is ordered', () => {
    const s = new CloudStore(fresh());
    expect(s.order(3, 'B123').tests).toEqual(['GLU']);
    expect(s.order(3, 'NOPE')).toEqual({ barcode: 'NOPE', tests: [] });
  });
});

describe('dev cloud device status', () => {
  it('flags a machine that two stations report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloud-'));
    try {
      const s = new CloudStore(dir);
      const report = { state: 'listening', app_version: '0.1.0', app_build: 'x' };
      expect(s.reportStatus(3, { ...report, station: 'lab-pc-1' }).conflict).toBeUndefined();
      expect(s.reportStatus(3, { ...report, station: 'lab-pc-1' }).conflict).toBeUndefined();
      expect(s.reportStatus(3, { ...report, station: 'lab-pc-2' }).conflict).toBe('stations lab-pc-1 and lab-pc-2 both drive this machine');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("assigns unassigned machines to the lab's first station, and never a sandbox to one", () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloud-'));
    try {
      const machines = new CloudStore(dir).machines();
      expect(machines.filter((m) => !m.is_sandbox).every((m) => m.connection_settings.station === 'lab-pc-1')).toBe(true);
      expect(machines.filter((m) => m.is_sandbox).every((m) => m.connection_settings.station === 'sandbox')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
