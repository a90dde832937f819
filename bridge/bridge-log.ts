import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type LogLevel = 'info' | 'warn' | 'error';

export interface BridgeLog {
  (level: LogLevel, event: string, fields?: Record<string, unknown>): void;
}

/** Enough for weeks of normal traffic events, small enough never to fill a lab PC's disk. */
export const LOG_FILE_MAX_BYTES = 5 * 1024 * 1024;
export const LOG_FILES_KEPT = 3;

/**
 * A structured log: one JSON object a line in `bridge.log` under the data directory, rotated by
 * size, and a readable line on the console. Analyzer bytes and tokens are never logged.
 */
export function createLog(dataDir: string | null, echo: (line: string) => void = (l) => console.log(l)): BridgeLog {
  const file = dataDir ? join(dataDir, 'bridge.log') : null;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  let size = file ? sizeOf(file) : 0;
  return (level, event, fields = {}) => {
    const at = new Date().toISOString();
    const details = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    echo(`[bridge] ${level === 'info' ? '' : level.toUpperCase() + ' '}${event}${details ? ' ' + details : ''}`);
    if (!file) return;
    const line = JSON.stringify({ at, level, event, ...fields }) + '\n';
    if (size + line.length > LOG_FILE_MAX_BYTES) {
      rotate(file);
      size = 0;
    }
    try {
      appendFileSync(file, line);
      size += Buffer.byteLength(line);
    } catch {
      // A full disk must not stop the bridge from moving analyzer bytes.
    }
  };
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function rotate(file: string): void {
  for (let i = LOG_FILES_KEPT - 1; i >= 1; i--) {
    try {
      renameSync(i === 1 ? file : `${file}.${i - 1}`, `${file}.${i}`);
    } catch {
      // that generation does not exist yet
    }
  }
}
