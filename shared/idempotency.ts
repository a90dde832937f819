/**
 * The one definition of a result's idempotency key. Everything that identifies a result as the
 * analyzer measured it is in; everything an analyzer regenerates when it resends is out (record
 * sequence numbers, which some analyzers renumber on a resend; header timestamps; HL7 MSH-10).
 * So a resend maps to the same key, while a rerun with a new time or value, or a correction
 * (status `C`), gets its own.
 *
 * What it cannot separate: two runs of the same test on the same tube with the same value and
 * units, when the analyzer sends no result time. They collapse into one row; the first is kept.
 */

export const IDEMPOTENCY_KEY_VERSION = 'r1';

export interface IdempotencyInput {
  machineId: number | string;
  sampleId: string;
  testId: string;
  status: string;
  completedAtRaw: string;
  value: string;
  units: string;
}

export function normaliseSampleId(raw: string): string {
  return raw.trim().replace(/\s+/g, ' ');
}

/** Fields are length-prefixed so that no choice of field text can make two inputs collide. */
export function idempotencyMaterial(input: IdempotencyInput): string {
  const fields = [
    String(input.machineId),
    normaliseSampleId(input.sampleId),
    input.testId.trim(),
    input.status.trim().toUpperCase(),
    input.completedAtRaw.trim(),
    input.value.trim(),
    input.units.trim(),
  ];
  return fields.map((f) => `${f.length}:${f}`).join('|');
}

export async function idempotencyKey(input: IdempotencyInput): Promise<string> {
  const bytes = new TextEncoder().encode(idempotencyMaterial(input));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return `${IDEMPOTENCY_KEY_VERSION}:${hex}`;
}
