import type { DeviceSettings } from './driver.ts';
import type { AnalyzerResult } from './result-model.ts';

/**
 * What every driver does to a result once its protocol has been read, whatever the protocol:
 * the QC flag (the device's own marker, or the machine's QC patterns from the cloud) and the
 * barcode translation for analyzers that send their own sample number instead of the LIS barcode.
 */

/** The cloud's QC patterns; a malformed one matches nothing rather than stopping results. */
export function qcPatterns(settings: DeviceSettings): RegExp[] {
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

/**
 * Barcode translation, from the device settings:
 * - `sample_id_map`: `{ "<what the analyzer sends>": "<LIS barcode>" }`, kept by the cloud (for
 *   example from the work list's sample numbers or rack positions);
 * - `sample_id_map_key`: what the map is keyed by: `sample-id` (default, the analyzer's sample
 *   number) or `position` (the components the analyzer sent beside it, joined with `^`, such as
 *   VITROS `tray^cup`).
 * With no map the analyzer's id is the barcode. With a map, an id it does not hold is delivered as
 * sent and marked `unmatched`, never dropped.
 */
export interface SampleIdTranslation {
  map: ReadonlyMap<string, string>;
  key: 'sample-id' | 'position';
}

export function sampleIdTranslation(settings: DeviceSettings): SampleIdTranslation | null {
  const raw = settings.sample_id_map;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const map = new Map<string, string>();
  for (const [from, to] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof to === 'string' && to.trim() !== '') map.set(from.trim(), to.trim());
  }
  return { map, key: settings.sample_id_map_key === 'position' ? 'position' : 'sample-id' };
}

export interface Marking {
  qc: RegExp[];
  translation: SampleIdTranslation | null;
}

export function marking(settings: DeviceSettings): Marking {
  return { qc: qcPatterns(settings), translation: sampleIdTranslation(settings) };
}

/**
 * Applies translation then QC to one result. QC patterns are matched against both the analyzer's
 * id and the translated barcode, so a QC material keeps its flag whichever the patterns name.
 */
export function markResult(result: AnalyzerResult, m: Marking, deviceSaysQc: boolean): AnalyzerResult {
  const sent = result.sampleId;
  let out = result;
  if (m.translation) {
    const key = m.translation.key === 'position' ? (result.sampleIdParts ?? []).join('^') : sent;
    const barcode = m.translation.map.get(key);
    out = barcode === undefined
      ? { ...result, unmatched: true, attributes: { ...result.attributes, analyzer_sample_id: sent } }
      : { ...result, sampleId: barcode, attributes: { ...result.attributes, analyzer_sample_id: sent } };
  }
  const qc = deviceSaysQc || m.qc.some((p) => p.test(sent) || p.test(out.sampleId));
  return qc ? { ...out, qc: true } : out;
}
