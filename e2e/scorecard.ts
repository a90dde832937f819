import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { StoredResult } from '../shared/cloud-api.ts';
import { ROOT } from './processes.ts';

export const SCORECARD_FILE = join(ROOT, 'test-artifacts', 'scorecard.jsonl');

export interface ScenarioScore {
  scenario: string;
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  /** The bridge process's peak RSS. */
  peakMemoryMb?: number;
  /** Peak JS heaps of the console page's main thread and of its engine worker. */
  peakPageHeapMb?: number;
  peakEngineHeapMb?: number;
  p99QueryMs?: number;
}

/**
 * Counts, for the results an analyzer sent (one expected cloud row per key), how many the cloud
 * holds once, not at all, or more than once; records the row for `npm run scorecard`, and fails
 * the test unless nothing was lost or duplicated.
 */
export function score(
  scenario: string,
  expected: string[],
  rows: StoredResult[],
  extra: Pick<ScenarioScore, 'peakMemoryMb' | 'peakPageHeapMb' | 'peakEngineHeapMb' | 'p99QueryMs'> = {},
  opts: { ignoreTime?: boolean } = {},
): ScenarioScore {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const k = `${r.barcode}|${r.test_code}|${opts.ignoreTime ? '' : r.completed_at_raw}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  if (opts.ignoreTime) expected = expected.map((k) => k.replace(/\|[^|]*$/, '|'));
  const lost = expected.filter((k) => !counts.has(k)).length;
  const duplicated = expected.reduce((n, k) => n + Math.max(0, (counts.get(k) ?? 0) - 1), 0);
  const result: ScenarioScore = { scenario, sent: expected.length, delivered: expected.length - lost, lost, duplicated, ...extra };
  mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
  appendFileSync(SCORECARD_FILE, JSON.stringify({ ...result, at: new Date().toISOString() }) + '\n');
  expect({ scenario, lost, duplicated }).toEqual({ scenario, lost: 0, duplicated: 0 });
  return result;
}

/** `barcode|test|result time` keys, the unit `score` counts in (a rerun at another time is another result). */
export const keysOf = (barcodes: string[], time: string, tests = ['GLU']) => barcodes.flatMap((b) => tests.map((t) => `${b}|${t}|${time}`));
