import { describe, expect, it } from 'vitest';
import { analyzerTimeToEpoch } from './analyzer-clock.ts';

const analyzerTimeToUtc = (raw: string, tz: string) => {
  const at = analyzerTimeToEpoch(raw, tz);
  return at === undefined ? null : new Date(at);
};

describe('analyzer time to UTC', () => {
  it('reads a wall-clock time in the machine\'s zone', () => {
    expect(analyzerTimeToUtc('20261124101500', 'Asia/Baghdad')?.toISOString()).toBe('2026-11-24T07:15:00.000Z');
    expect(analyzerTimeToUtc('20260701120000', 'Europe/Berlin')?.toISOString()).toBe('2026-07-01T10:00:00.000Z');
    expect(analyzerTimeToUtc('20261201120000', 'Europe/Berlin')?.toISOString()).toBe('2026-12-01T11:00:00.000Z');
  });

  it('honours an explicit offset and a date alone', () => {
    expect(analyzerTimeToUtc('20261124101500+0300', 'Europe/Berlin')?.toISOString()).toBe('2026-11-24T07:15:00.000Z');
    expect(analyzerTimeToUtc('20261124', 'UTC')?.toISOString()).toBe('2026-11-24T00:00:00.000Z');
  });

  it('gives null for text that is not a time', () => {
    for (const raw of ['', 'yesterday', '20261324101500', '2026-11-24']) expect(analyzerTimeToUtc(raw, 'UTC')).toBeNull();
  });
});
