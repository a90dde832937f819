import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BridgeLog } from './bridge-log.ts';

/**
 * A self-update on trial: written by the old version just before it hands over, read first thing
 * by every start. The new build must come up and see a console attach; a build that keeps dying
 * before that is swapped back out for the previous executable.
 */
export interface Trial {
  from: string;
  to: string;
  exe: string;
  prev: string;
  /** Starts of `to` so far. */
  starts: number;
  at: string;
  confirmed?: boolean;
  /** Why `to` was rolled back; the bridge will not take that version again. */
  rolledBack?: string;
}

const FILE = 'update-trial.json';
/** A new build gets this many starts to see a console attach before it is rolled back. */
export const MAX_TRIAL_STARTS = 3;
/** Exit status that asks the service manager for a restart (EX_TEMPFAIL): an update or a rollback. */
export const EXIT_RESTART = 75;

export function readTrial(dataDir: string): Trial | null {
  try {
    return JSON.parse(readFileSync(join(dataDir, FILE), 'utf8')) as Trial;
  } catch {
    return null;
  }
}

export function writeTrial(dataDir: string, trial: Trial): void {
  const file = join(dataDir, FILE);
  writeFileSync(`${file}.tmp`, JSON.stringify(trial, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
}

/**
 * Counts this start against a pending trial. Returns 'rolled-back' when the build on trial has
 * used up its starts and the previous executable is back in place: the caller exits with
 * EXIT_RESTART so the service manager starts it.
 */
export function startTrial(dataDir: string, version: string, log: BridgeLog): 'run' | 'rolled-back' {
  const t = readTrial(dataDir);
  if (!t || t.confirmed || t.rolledBack || t.to !== version) return 'run';
  t.starts++;
  if (t.starts <= MAX_TRIAL_STARTS) {
    writeTrial(dataDir, t);
    log('info', 'update-trial-start', { version, start: t.starts, of: MAX_TRIAL_STARTS });
    return 'run';
  }
  if (!existsSync(t.prev)) {
    writeTrial(dataDir, { ...t, confirmed: true });
    log('error', 'update-rollback-impossible', { version, why: `${t.prev} is missing`, action: 'keeping this build' });
    return 'run';
  }
  rmSync(`${t.exe}.failed`, { force: true });
  renameSync(t.exe, `${t.exe}.failed`);
  renameSync(t.prev, t.exe);
  const reason = `version ${version} did not reach a working console in ${MAX_TRIAL_STARTS} starts`;
  writeTrial(dataDir, { ...t, rolledBack: reason });
  log('error', 'update-rolled-back', { from: version, to: t.from, reason });
  return 'rolled-back';
}

/** A console attached to the build on trial: it works, keep it. */
export function confirmTrial(dataDir: string, version: string, log: BridgeLog): void {
  const t = readTrial(dataDir);
  if (!t || t.confirmed || t.rolledBack || t.to !== version) return;
  writeTrial(dataDir, { ...t, confirmed: true });
  rmSync(t.prev, { force: true });
  log('info', 'update-confirmed', { version, starts: t.starts });
}

/** The version this bridge rolled back from, which it must not take again. */
export function rolledBackVersion(dataDir: string): string | null {
  const t = readTrial(dataDir);
  return t?.rolledBack ? t.to : null;
}
