import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idempotencyKey, idempotencyMaterial, type IdempotencyInput } from './idempotency.ts';

const base: IdempotencyInput = { machineId: 3, sampleId: 'B123', testId: '^^^GLU', status: 'F', completedAtRaw: '20261124101500', value: '99', units: 'mg/dl' };

describe('idempotency key', () => {
  it('is the same for a resend: sample id whitespace and status case do not matter', async () => {
    expect(await idempotencyKey({ ...base, sampleId: '  B123 ', status: 'f' })).toBe(await idempotencyKey(base));
  });

  it('differs for a rerun, a correction, another machine, another dilution, other units', async () => {
    const key = await idempotencyKey(base);
    for (const change of [{ completedAtRaw: '20261124111500' }, { value: '98' }, { status: 'C' }, { machineId: 4 }, { testId: '^^^GLU^2' }, { units: 'mmol/L' }]) {
      expect(await idempotencyKey({ ...base, ...change })).not.toBe(key);
    }
  });

  it('cannot be made to collide by moving text between fields', () => {
    const field = fc.string({ maxLength: 8 });
    fc.assert(
      fc.property(fc.tuple(field, field, field, field), fc.tuple(field, field, field, field), (a, b) => {
        const mk = ([sampleId, testId, value, units]: string[]): IdempotencyInput => ({ ...base, sampleId: `x${sampleId}x`, testId: `y${testId}y`, value: `v${value}v`, units: `u${units}u` });
        if (a.join('\u0000') !== b.join('\u0000')) expect(idempotencyMaterial(mk(a))).not.toBe(idempotencyMaterial(mk(b)));
      }),
    );
  });
});
