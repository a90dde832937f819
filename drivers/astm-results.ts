import type { ResultInContext } from './astm/message-assembler.ts';
import type { TestId } from './astm/records/model.ts';
import type { AnalyzerResult } from './result-model.ts';
import type { DeviceSettings } from './driver.ts';
import { marking, markResult } from './sample-marking.ts';

/** How one analyzer family reads ASTM results; the generic reading is the default for each part. */
export interface AstmResultReading {
  /** The analyzer's code for a test id (`GLU` from `^^^GLU`; VITROS `309` from `^^^1.0000+309+1.0`). */
  testCode(test: TestId): string;
  /** True when the analyzer itself marks the sample as QC. */
  deviceSaysQc?(r: ResultInContext): boolean;
  /** Sample-quality indices reported beside tests (VITROS HIL). */
  kind?(code: string): AnalyzerResult['kind'];
}

/** The first non-empty of the manufacturer's code (component 4), the universal id, the name, the text. */
export function genericTestCode(test: TestId): string {
  return (test.localCode || test.universalId || test.name || test.text).trim();
}

export const genericReading: AstmResultReading = {
  testCode: genericTestCode,
  deviceSaysQc: (r) => r.order?.actionCode === 'Q' || r.order?.reportType === 'Q',
};

/**
 * The generic reading with the code path from the cloud's settings: `test_code_component` 1–4
 * picks one component of the universal test id (`^^^GLU` is component 4); absent, the generic
 * first-non-empty rule applies.
 */
export function configuredReading(settings: DeviceSettings): AstmResultReading {
  const n = Number(settings.test_code_component);
  if (!Number.isInteger(n) || n < 1 || n > 4) return genericReading;
  return {
    ...genericReading,
    testCode: (test) => (test.components[n - 1] ?? '').trim() || genericTestCode(test),
  };
}

/** ASTM results → the common model. */
export function astmResults(results: readonly ResultInContext[], settings: DeviceSettings, reading: AstmResultReading = genericReading): AnalyzerResult[] {
  const m = marking(settings);
  const deviceSaysQc = reading.deviceSaysQc ?? genericReading.deviceSaysQc!;
  return results.map((r) => {
    const specimen = r.order?.specimenId ?? [];
    const sampleId = (specimen[0] || r.order?.instrumentSpecimenId[0] || r.patient?.laboratoryPatientId || '').trim();
    const parts = specimen.slice(1).filter((p) => p !== '');
    const code = reading.testCode(r.result.test);
    const kind = reading.kind?.(code) ?? 'test';
    const result: AnalyzerResult = {
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
      ...(kind !== 'test' ? { kind } : {}),
    };
    return markResult(result, m, deviceSaysQc(r));
  });
}
