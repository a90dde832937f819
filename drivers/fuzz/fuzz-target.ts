/**
 * Test-only: what a fuzz target is, and the regression corpus its failures are kept in.
 *
 * A target is one property: an arbitrary that makes inputs and a check that throws when an
 * input breaks an invariant. The CI suites run each target with a fixed seed (reproducible);
 * `npm run fuzz` (long-run.ts) runs the same targets with random seeds and writes every failing
 * input to `corpus/`, which the CI suites replay.
 */
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface FuzzTarget<I> {
  /** Stable and unique: corpus entries name their target by it. */
  name: string;
  /** Cases in CI (the long run uses as many as its time allows). */
  runs: number;
  /**
   * A known failure nobody has fixed yet, in a sentence: the target is then not run in CI or
   * in the long run (it would only find the same failure again), and its corpus entries are
   * replayed as expected failures.
   */
  open?: string;
  arbitrary(): fc.Arbitrary<I>;
  /** Throws when the input breaks an invariant; `fc.pre` may discard an input the invariant does not cover. */
  check(input: I): void;
}

/** A target whose check talks to a real process (the bridge): async, and given what was started for it. */
export interface AsyncFuzzTarget<I, C> {
  name: string;
  runs: number;
  arbitrary(): fc.Arbitrary<I>;
  check(input: I, context: C): Promise<void>;
}

export type AnyFuzzTarget = FuzzTarget<any>;

export function fuzzTarget<I>(t: FuzzTarget<I>): FuzzTarget<I> {
  return t;
}

/**
 * A case this slow is a hang in the making: every input here is a few kilobytes at most, and
 * each piece of code under test does bounded work per byte. Generous, so that a loaded CI
 * machine's pauses do not trip it.
 */
export const SLOW_CASE_MS = 3_000;

/** The CI seed of a target: fixed, and different for each target so that they do not all walk the same path. */
export function ciSeed(name: string): number {
  return createHash('sha256').update(name).digest().readInt32BE(0);
}

/** The check, failing a case that took longer than SLOW_CASE_MS. */
export function timed<I>(check: (input: I) => void): (input: I) => void {
  return (input) => {
    const started = performance.now();
    check(input);
    const ms = performance.now() - started;
    if (ms > SLOW_CASE_MS) throw new Error(`one case took ${Math.round(ms)} ms (limit ${SLOW_CASE_MS} ms): unbounded work?`);
  };
}

export function propertyOf<I>(t: FuzzTarget<I>): fc.IProperty<[I]> {
  return fc.property(t.arbitrary(), timed((input: I) => t.check(input)));
}

// --- the regression corpus ---------------------------------------------------------------

export const CORPUS_DIR = fileURLToPath(new URL('./corpus/', import.meta.url));

export interface CorpusEntry {
  target: string;
  /** The failing input, encoded by `encodeInput`. */
  input: unknown;
  /** What went wrong when it was found. */
  error: string;
  found: string;
  /** `open`: not fixed yet (replayed as an expected failure); `fixed`: must pass. */
  status: 'open' | 'fixed';
  /** Where it came from (seed and path of the run that found it) and what was done about it. */
  note?: string;
  seed?: number;
  path?: string;
  hang?: boolean;
  /** The entry's file name in corpus/ (set when read, not stored). */
  file?: string;
}

/**
 * JSON cannot hold bytes, undefined, NaN, ±Infinity or -0; fuzz inputs have all of them. They
 * are written as one-key objects (`{"$bytes": base64}`…) and read back exactly.
 */
export function encodeInput(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (value === undefined) return { $undefined: true };
  if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) return { $number: String(value === 0 ? '-0' : value) };
  if (typeof value === 'bigint') return { $bigint: String(value) };
  if (Array.isArray(value)) return value.map(encodeInput);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = encodeInput(v);
    return out;
  }
  return value;
}

export function decodeInput(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeInput);
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      if (typeof o.$bytes === 'string') return new Uint8Array(Buffer.from(o.$bytes, 'base64'));
      if (o.$undefined === true) return undefined;
      if (typeof o.$number === 'string') return o.$number === '-0' ? -0 : Number(o.$number);
      if (typeof o.$bigint === 'string') return BigInt(o.$bigint);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = decodeInput(v);
    return out;
  }
  return value;
}

export function readCorpus(): CorpusEntry[] {
  if (!existsSync(CORPUS_DIR)) return [];
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: f, ...(JSON.parse(readFileSync(CORPUS_DIR + f, 'utf8')) as CorpusEntry) }));
}

/** Writes a failing input (once: the file is named by its content). Returns the file name. */
export function addToCorpus({ file: _file, ...entry }: CorpusEntry): string {
  mkdirSync(CORPUS_DIR, { recursive: true });
  const body = JSON.stringify(entry.input);
  const hash = createHash('sha256').update(entry.target + body).digest('hex').slice(0, 12);
  const file = `${entry.target.replace(/[^a-z0-9-]+/gi, '-')}-${hash}.json`;
  if (!existsSync(CORPUS_DIR + file)) writeFileSync(CORPUS_DIR + file, JSON.stringify(entry, null, 2) + '\n');
  return file;
}

/** fast-check's message for a failure, cut to what a corpus entry needs. */
export function failureText(details: { errorInstance: unknown }): string {
  const e = details.errorInstance;
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.length > 2000 ? text.slice(0, 2000) + '…' : text;
}
