import type { Machine, ResultItem } from '../../shared/cloud-api.ts';
import { idempotencyKey, normaliseSampleId } from '../../shared/idempotency.ts';
import type { AnalyzerResult } from '../../drivers/result-model.ts';
import type { NewResult } from './outbox.ts';

/** Turns a driver's result into the row the cloud stores, keyed for idempotency. */
export async function toOutboxResult(machine: Machine, r: AnalyzerResult, receivedAt: Date): Promise<NewResult> {
  const key = await idempotencyKey({
    machineId: machine.id,
    sampleId: r.sampleId,
    testId: r.testId,
    status: r.status,
    completedAtRaw: r.completedAtRaw,
    value: r.value,
    units: r.units,
  });
  const item: ResultItem = {
    idempotency_key: key,
    machine_id: machine.id,
    barcode: normaliseSampleId(r.sampleId),
    test_code: r.testCode,
    test_id: r.testId,
    value: r.value,
    units: r.units,
    reference_range: r.referenceRange,
    flags: r.flags,
    status: r.status,
    completed_at_raw: r.completedAtRaw,
    received_at: receivedAt.toISOString(),
    ...(r.qc ? { qc: true } : {}),
  };
  return { key, machineId: machine.id, item };
}
