import type { ResultInContext } from './astm/message-assembler.ts';
import type { TestId } from './astm/records/model.ts';
import type { AnalyzerResult } from './result-model.ts';
import type { DeviceSettings } from './driver.ts';

/** How one analyzer family reads ASTM results; the generic reading is the default for each part. */
export interface AstmResultReading {
  /** The analyzer's code for a test id (`GLU` from `^^^GLU`; VITROS `309` from `^^^1.0000+309+1.0`). */
  testCode(test: TestId): string;
  /** True when the analyzer itself marks the sample as QC. */
  deviceSaysQc?(r: ResultInContext): boolean;
  /** Sample-quality indices reported beside tests (VITROS HIL). */
  kind?(code: string): AnalyzerResult['kind'];
}

export const genericReading: AstmResultReading = {
  testCode: (test) => (test.localCode || test.universalId || test.name || test.text).trim(),
  deviceSaysQc: (r) => r.order?.actionCode === 'Q' || r.order?.reportType === 'Q',
};

function qcPatterns(settings: DeviceSettings): RegExp[] {
  const out: RegExp[] = [];
  for (const p of settings.qc_patterns ?? []) {
    try {
      out.push(new RegExp(p));
    } catch {
      // A malformed pattern from the cloud must not stop results; it simply matches nothing.
    }
  }
  return out;
}

/** ASTM results → the common model. */
export function astmResults(results: readonly ResultInContext[], settings: DeviceSettings, reading: AstmResultReading = genericReading): AnalyzerResult[] {
  const patterns = qcPatterns(settings);
  return results.map((r) => {
    const specimen = r.order?.specimenId ?? [];
    const sampleId = (specimen[0] || r.order?.instrumentSpecimenId[0] || r.patient?.laboratoryPatientId || '').trim();
    const parts = specimen.slice(1).filter((p) => p !== '');
    const code = reading.testCode(r.result.test);
    const qc = (reading.deviceSaysQc ?? genericReading.deviceSaysQc)!(r) || patterns.some((p) => p.test(sampleId));
    const kind = reading.kind?.(code) ?? 'test';
    return {
      sampleId,
      ...(parts.length > 0 ? { sampleIdParts: parts } : {}),
      testCode: code,
      testId: r.result.test.text,
      ...(r.result.test.name ? { testName: r.result.test.name } : {}),
      value: r.result.value,
      ...(r.result.comparator ? { comparator: r.result.comparator } : {}),
      units: r.result.units,
      referenceRange: r.result.referenceRange,
      flags: r.result.flags,
      status: r.result.status,
      completedAtRaw: r.result.completedAt || r.result.startedAt,
      ...(qc ? { qc: true } : {}),
      ...(kind !== 'test' ? { kind } : {}),
    };
  });
}
