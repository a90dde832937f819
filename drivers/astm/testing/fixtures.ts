/**
 * Test-only: reads the capture fixtures (../fixtures, see its README for origins and licences).
 * Uses node:fs, so only tests import it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** The raw-wire captures in strict framing (frame numbers and checksums): E1381 conformance inputs. */
export const STRICT_CAPTURES = [
  'vitros3600_qc_result_rawwire.bin',
  'vitros3600_results_with_M_records_rawwire.bin',
  'vitros3600_result_lessthan_values_rawwire.bin',
  'vitros3600_hostquery_Q_rawwire.bin',
  'vitros3600_hostquery_abort_QA_LT_rawwire.bin',
  'erba_xl1000_result_backtick_repeat_delim_rawwire.bin',
  'erba_xl1000_result_NA_value_rawwire.bin',
  'horiba_yumizen_h500_multiframe_rawwire.bin',
];

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(FIXTURES + name));
}

const CONTROL_NAMES: Record<string, number> = { STX: 2, ETX: 3, EOT: 4, ENQ: 5, ACK: 6, LF: 10, CR: 13, NAK: 21, ETB: 23 };

/**
 * The analyzer's side of an annotated serial-monitor log, as bytes: line breaks are the
 * logger's, lines starting with " - " are what the host sent, `[NAME]` is a control character.
 * (The same rule as fixtures/make-expected.py.)
 */
export function logBytes(name: string): Uint8Array {
  const text = readFileSync(FIXTURES + name, 'latin1');
  const bytes: number[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith(' - ')) continue;
    const decoded = line.replace(/\[([A-Z]+)\]/g, (_, n: string) => String.fromCharCode(CONTROL_NAMES[n]));
    for (let i = 0; i < decoded.length; i++) bytes.push(decoded.charCodeAt(i));
  }
  return Uint8Array.from(bytes);
}

/** Record-text fixtures: one record per line (CR or LF), `#` comment lines and blank lines left out. */
export function recordLines(name: string): string[] {
  return readFileSync(FIXTURES + name, 'latin1')
    .split(/\r\n|\r|\n/)
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

export interface OracleResult {
  test: string;
  value: string;
  units: string;
  range: string;
  flags: string;
  status: string;
  startedAt: string;
  completedAt: string;
}

export interface OracleMessage {
  records: string[];
  specimenIds: string[];
  instrumentSpecimenIds: string[];
  results: OracleResult[];
}

export interface OracleSession {
  acks: number;
  naks: number;
  messages: OracleMessage[];
}

/** What the independent Python reading (fixtures/make-expected.py) found in a log. */
export function oracle(log: string): OracleSession[] {
  return JSON.parse(readFileSync(`${FIXTURES}expected/${log.replace(/\.txt$/, '.json')}`, 'utf8')) as OracleSession[];
}
