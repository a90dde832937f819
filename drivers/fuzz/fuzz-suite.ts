/**
 * Test-only: runs fuzz targets in vitest. Each target gets one test running its CI cases with its
 * fixed seed, and one test per corpus entry of it: a fixed entry must pass, an open one (a known
 * failure nobody has fixed yet) must still fail, so the suite notices the day it is fixed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ciSeed, decodeInput, propertyOf, readCorpus, timed, type AnyFuzzTarget } from './fuzz-target.ts';

/** Generous: the slowest suite's cases take a few seconds on a loaded two-core machine. */
const TARGET_TIMEOUT_MS = 60_000;

export function fuzzSuite(title: string, targets: readonly AnyFuzzTarget[]): void {
  const corpus = readCorpus();
  describe(title, () => {
    for (const t of targets) {
      if (t.open === undefined) {
        it(`${t.name}: ${t.runs} cases, seed ${ciSeed(t.name)}`, () => {
          fc.assert(propertyOf(t), { seed: ciSeed(t.name), numRuns: t.runs });
        }, TARGET_TIMEOUT_MS);
      }
      for (const entry of corpus.filter((e) => e.target === t.name)) {
        const replay = () => {
          try {
            timed((input: unknown) => t.check(input))(decodeInput(entry.input));
          } catch (e) {
            // An input the property discards (fc.pre) is no failure.
            if (fc.PreconditionFailure.isFailure(e)) return;
            throw e;
          }
        };
        const name = `corpus: ${entry.file ?? entry.target} (${entry.status})`;
        if (entry.status === 'open') it.fails(name, replay);
        else it(name, replay);
      }
    }
    it('every target has a unique name', () => {
      expect(new Set(targets.map((t) => t.name)).size).toBe(targets.length);
    });
  });
}
