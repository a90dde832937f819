import type { Machine, ResultItem } from '../../shared/cloud-api.ts';
import { idempotencyKey, normaliseSampleId } from '../../shared/idempotency.ts';
import type { AnalyzerResult } from '../../drivers/result-model.ts';
import { analyzerTimeToEpoch } from '../../drivers/analyzer-clock.ts';
import type { NewResult } from './outbox.ts';

/** An analyzer clock off by more than this is worth a person's look. */
export const CLOCK_SKEW_WARN_MS = 5 * 60_000;

export interface ResultContext {
  receivedAt: Date;
  clockSkewMs?: number;
  /** Simulator traffic: posted to the machine's sandbox, flagged as test data. */
  testData?: boolean;
}

function unitWarning(machine: Machine, r: AnalyzerResult): string | null {
  const mapped = machine.tests?.find((t) => t.analyzer_code === r.testCode)?.units;
  if (!mapped || r.units.trim() === '' || mapped.trim().toLowerCase() === r.units.trim().toLowerCase()) return null;
  return `unit ${r.units} differs from the LIS mapping (${mapped})`;
}

/** Turns a driver's result into the row the cloud stores, keyed for idempotency. */
export async function toOutboxResult(machine: Machine, r: AnalyzerResult, ctx: ResultContext): Promise<NewResult> {
  const machineId = ctx.testData ? (machine.sandbox_id ?? machine.id) : machine.id;
  const key = await idempotencyKey({
    machineId,
    sampleId: r.sampleId,
    testId: r.testId,
    status: r.status,
    completedAtRaw: r.completedAtRaw,
    value: r.value,
    units: r.units,
  });
  const warnings: string[] = [];
  const unit = unitWarning(machine, r);
  if (unit) warnings.push(unit);
  if (ctx.clockSkewMs !== undefined && Math.abs(ctx.clockSkewMs) > CLOCK_SKEW_WARN_MS) {
    warnings.push(`analyzer clock is ${Math.round(Math.abs(ctx.clockSkewMs) / 60_000)} min ${ctx.clockSkewMs > 0 ? 'ahead' : 'behind'}`);
  }
  const completed = r.completedAtRaw ? analyzerTimeToEpoch(r.completedAtRaw, machine.connection_settings.timezone) : undefined;
  const item: ResultItem = {
    idempotency_key: key,
    machine_id: machineId,
    barcode: normaliseSampleId(r.sampleId),
    test_code: r.testCode,
    test_id: r.testId,
    value: r.value,
    units: r.units,
    reference_range: r.referenceRange,
    flags: r.flags,
    status: r.status,
    completed_at_raw: r.completedAtRaw,
    completed_at: completed === undefined ? null : new Date(completed).toISOString(),
    received_at: ctx.receivedAt.toISOString(),
    ...(r.qc ? { qc: true } : {}),
    ...(ctx.clockSkewMs !== undefined ? { clock_skew_ms: Math.round(ctx.clockSkewMs) } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(ctx.testData ? { test_data: true } : {}),
    ...(r.kind && r.kind !== 'test' ? { kind: r.kind } : {}),
    ...(r.unmatched ? { unmatched: true } : {}),
    ...(r.invalid ? { invalid: true } : {}),
  };
  return { key, machineId, item };
}
