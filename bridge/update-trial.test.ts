import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confirmTrial, MAX_TRIAL_STARTS, readTrial, rolledBackVersion, startTrial, writeTrial } from './update-trial.ts';

const quiet = () => {};

function swapped() {
  const dir = mkdtempSync(join(tmpdir(), 'lis-trial-'));
  const exe = join(dir, 'lis-bridge');
  writeFileSync(exe, 'v2');
  writeFileSync(`${exe}.prev`, 'v1');
  writeTrial(dir, { from: '0.1.0', to: '0.1.1', exe, prev: `${exe}.prev`, starts: 0, at: new Date().toISOString() });
  return { dir, exe };
}

describe('a self-update on trial', () => {
  it(`gives the new build ${MAX_TRIAL_STARTS} starts, then puts the previous executable back and remembers why`, () => {
    const { dir, exe } = swapped();
    for (let i = 1; i <= MAX_TRIAL_STARTS; i++) expect(startTrial(dir, '0.1.1', quiet)).toBe('run');
    expect(startTrial(dir, '0.1.1', quiet)).toBe('rolled-back');
    expect(readFileSync(exe, 'utf8')).toBe('v1');
    expect(readFileSync(`${exe}.failed`, 'utf8')).toBe('v2');
    expect(rolledBackVersion(dir)).toBe('0.1.1');
    // The previous version starting again is not on trial.
    expect(startTrial(dir, '0.1.0', quiet)).toBe('run');
    expect(readFileSync(exe, 'utf8')).toBe('v1');
  });

  it('is confirmed once a console attaches: no rollback later, and the previous executable is removed', () => {
    const { dir, exe } = swapped();
    expect(startTrial(dir, '0.1.1', quiet)).toBe('run');
    confirmTrial(dir, '0.1.1', quiet);
    expect(existsSync(`${exe}.prev`)).toBe(false);
    for (let i = 0; i < MAX_TRIAL_STARTS + 2; i++) expect(startTrial(dir, '0.1.1', quiet)).toBe('run');
    expect(readFileSync(exe, 'utf8')).toBe('v2');
    expect(readTrial(dir)?.confirmed).toBe(true);
  });

  it('does nothing without a trial, or for a version that is not the one on trial', () => {
    const empty = mkdtempSync(join(tmpdir(), 'lis-trial-'));
    expect(startTrial(empty, '0.1.0', quiet)).toBe('run');
    const { dir } = swapped();
    expect(startTrial(dir, '0.1.9', quiet)).toBe('run');
    expect(readTrial(dir)?.starts).toBe(0);
  });
});
