import { describe, expect, it } from 'vitest';
import { analyzerTimestamp, analyzerTimeToEpoch } from './analyzer-clock.ts';

describe('analyzer clock', () => {
  it('reads and writes wall time in the machine\'s zone, across a DST change', () => {
    // Berlin: UTC+1 in winter, UTC+2 from 2025-03-30 02:00.
    expect(analyzerTimeToEpoch('20250329120000', 'Europe/Berlin')).toBe(Date.UTC(2025, 2, 29, 11));
    expect(analyzerTimeToEpoch('20250331120000', 'Europe/Berlin')).toBe(Date.UTC(2025, 2, 31, 10));
    expect(analyzerTimestamp(Date.UTC(2025, 2, 31, 10, 5, 9), 'Europe/Berlin')).toBe('20250331120509');
    expect(analyzerTimestamp(Date.UTC(2020, 10, 21, 8, 10, 2), 'Asia/Baghdad')).toBe('20201121111002');
  });

  it('takes date-only and minute-precision times, and refuses what is not a time', () => {
    expect(analyzerTimeToEpoch('20250701', 'UTC')).toBe(Date.UTC(2025, 6, 1));
    expect(analyzerTimeToEpoch('202507011230', 'UTC')).toBe(Date.UTC(2025, 6, 1, 12, 30));
    expect(analyzerTimeToEpoch('yesterday', 'UTC')).toBeUndefined();
  });

  it('falls back to the station\'s zone for an unknown zone name', () => {
    const local = new Date(2025, 6, 1, 12, 0, 0).getTime();
    expect(analyzerTimeToEpoch('20250701120000', 'Mars/Olympus')).toBe(local);
    expect(analyzerTimestamp(local, 'Mars/Olympus')).toBe('20250701120000');
  });
});
