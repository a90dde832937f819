import { describe, expect, it } from 'vitest';
import { DRIVERS, driverFor, UnknownDriverError } from './registry.ts';

describe('driver registry', () => {
  it('holds every key the cloud uses, each with its protocol, reply window and serial defaults', () => {
    const table = Object.fromEntries(Object.values(DRIVERS).map((d) => [d.key, [d.protocol, d.replyWindowMs]]));
    expect(table).toEqual({
      maglumi_astm: ['astm', 10_000],
      udichem_astm: ['astm', 5_000],
      vitros_astm: ['astm', 2_400],
      dymind_hl7: ['hl7', 2_000],
      generic_astm: ['astm', 10_000],
      generic_hl7: ['hl7', 10_000],
    });
    for (const [key, d] of Object.entries(DRIVERS)) {
      expect(d.key).toBe(key);
      expect(d.serialDefaults).toMatchObject({ data_bits: expect.any(Number), stop_bits: expect.any(Number) });
      expect(d.staleAfterMs).toBeGreaterThan(d.replyWindowMs);
      // Every driver connects with no settings at all (defaults for everything).
      expect(d.connect({}).busy()).toBe(false);
    }
  });

  it('names an unknown driver plainly', () => {
    expect(() => driverFor('cobas_astm')).toThrow(UnknownDriverError);
    expect(driverFor('vitros_astm').key).toBe('vitros_astm');
  });
});
