/**
 * The fuzz suites' bookkeeping: at least 100 000 cases in CI across the in-process targets (the
 * bridge's WebSocket suite adds its frames on top), unique target names, and a corpus whose
 * every entry names a target that exists and can be read back.
 */
import { describe, expect, it } from 'vitest';
import { decodeInput, encodeInput, readCorpus } from './fuzz-target.ts';
import { FUZZ_TARGETS } from './targets.ts';

const PROCESS_TARGETS = ['bridge-ws.attached-page-frames'];

describe('the fuzz suites', () => {
  it('run at least 100 000 cases in CI', () => {
    const total = FUZZ_TARGETS.filter((t) => t.open === undefined).reduce((n, t) => n + t.runs, 0);
    expect(total).toBeGreaterThanOrEqual(100_000);
  });

  it('name every target once', () => {
    const names = FUZZ_TARGETS.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('keep a corpus whose entries name known targets and say whether they are fixed', () => {
    const known = new Set([...FUZZ_TARGETS.map((t) => t.name), ...PROCESS_TARGETS]);
    for (const entry of readCorpus()) {
      expect(known, entry.target).toContain(entry.target);
      expect(['open', 'fixed']).toContain(entry.status);
      expect(encodeInput(decodeInput(entry.input))).toEqual(entry.input);
    }
  });

  it('encode inputs JSON cannot hold and read them back exactly', () => {
    const input = { bytes: Uint8Array.of(0, 255, 13), none: undefined, nan: NaN, inf: -Infinity, zero: -0, list: [Uint8Array.of(2), 'x'] };
    const back = decodeInput(JSON.parse(JSON.stringify(encodeInput(input)))) as typeof input;
    expect(back.bytes).toEqual(input.bytes);
    expect('none' in back && back.none === undefined).toBe(true);
    expect(back.nan).toBeNaN();
    expect(back.inf).toBe(-Infinity);
    expect(Object.is(back.zero, -0)).toBe(true);
    expect(back.list[0]).toEqual(Uint8Array.of(2));
  });
});
