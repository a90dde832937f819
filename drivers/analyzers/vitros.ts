import { escapeText, STANDARD_DELIMITERS, type StoreGroup, type TestId } from '../astm/index.ts';
import { AstmConnection, type AstmDialect, type AstmReply } from '../astm-connection.ts';
import { genericReading, genericTestCode, type AstmResultReading } from '../astm-results.ts';
import type { DeviceSettings, Driver, OrderInfo, QueryAnswer } from '../driver.ts';
import type { AnalyzerResult } from '../result-model.ts';
import { astmProfileFrom, astmTimestamp, genericAstm, hostId } from './generic-astm.ts';

/**
 * Ortho Clinical Diagnostics VITROS 4600 / 5600 / 3600 (LIS2-A): strict E1381 framing both ways,
 * one record per frame, numeric assay codes inside a dilution-wrapped test id
 * (`^^^1.0000+309+1.0`: manual dilution + assay + automatic dilution).
 *
 * Order reply (the single-assay form was verified on a live VITROS):
 *   H|\^&|||<host id>||||||||LIS2-A|<timestamp>
 *   P|1
 *   O|1|<sid>||^^^1.0+<code>+1.0|<R or S>||||||N||||<body fluid>||||||||||O
 *   L|1|N
 * No order: `H…` + `L|1|I`. Failed lookup: `H…` + `L|1|Q`.
 */

/** VITROS HIL indices (hemolysis, icterus, lipemia): sample-quality indices, reported beside tests. */
export const VITROS_SAMPLE_QUALITY_CODES: ReadonlySet<string> = new Set(['950', '951', '952']);

/**
 * O-16 body fluid codes by the order's specimen type (lower case). Only serum = 5 is confirmed
 * (every VITROS capture and the verified order reply); the other codes differ between VITROS
 * software versions, so the lab adds them from its VITROS LIS guide through
 * `connection_settings.body_fluid_codes` (`{ "plasma": "…", "urine": "…" }`), which also overrides
 * this table. A type found in neither is never sent as serum: O-16 is left empty and staff see a
 * warning.
 */
export const VITROS_BODY_FLUIDS: Readonly<Record<string, string>> = Object.freeze({ serum: '5' });

/** `repeated` (`^^^1.0+300+1.0\^^^1.0+330+1.0`, the default) or `compact` (`^^^1.0+300+1.0\330+1.0`, as VITROS sends). */
export type VitrosAssayListForm = 'repeated' | 'compact';

/** The manual and automatic dilution written around each assay code in an order. */
const ORDER_DILUTION = '1.0';

/** Assay code from a VITROS test id: `1.0000+309+1.0` → `309`; a compact repeat `951+1.0` → `951`. */
export function vitrosAssayCode(test: TestId): string {
  const wrapped = test.localCode.split('+');
  if (wrapped.length === 3 && wrapped[1] !== '') return wrapped[1].trim();
  const compact = (test.components.length === 1 ? test.components[0] : '').split('+');
  if (compact.length === 2 && /^\d+$/.test(compact[0])) return compact[0];
  return genericTestCode(test);
}

export const vitrosReading: AstmResultReading = {
  testCode: vitrosAssayCode,
  deviceSaysQc: genericReading.deviceSaysQc,
  kind: (code): AnalyzerResult['kind'] => (VITROS_SAMPLE_QUALITY_CODES.has(code) ? 'sample-quality-index' : 'test'),
};

export function bodyFluidCode(specimenType: string | undefined, settings: DeviceSettings): string | null {
  const type = (specimenType ?? (typeof settings.default_specimen_type === 'string' ? settings.default_specimen_type : '')).trim().toLowerCase();
  if (type === '') return null;
  const custom = settings.body_fluid_codes;
  if (custom && typeof custom === 'object' && !Array.isArray(custom)) {
    for (const [name, code] of Object.entries(custom as Record<string, unknown>)) {
      if (name.trim().toLowerCase() === type && (typeof code === 'string' || typeof code === 'number') && String(code) !== '') return String(code);
    }
  }
  return VITROS_BODY_FLUIDS[type] ?? null;
}

export function vitrosAssayList(codes: readonly string[], form: VitrosAssayListForm): string {
  const d = STANDARD_DELIMITERS;
  const safe = codes.map((c) => escapeText(c, d));
  if (form === 'compact') return [`^^^${ORDER_DILUTION}+${safe[0]}+${ORDER_DILUTION}`, ...safe.slice(1).map((c) => `${c}+${ORDER_DILUTION}`)].join('\\');
  return safe.map((c) => `^^^${ORDER_DILUTION}+${c}+${ORDER_DILUTION}`).join('\\');
}

export function vitrosHeader(settings: DeviceSettings, now: number): string {
  return `H|\\^&|||${escapeText(hostId(settings), STANDARD_DELIMITERS)}||||||||LIS2-A|${astmTimestamp(now, settings)}`;
}

function assayListForm(settings: DeviceSettings): VitrosAssayListForm {
  return settings.vitros_assay_list === 'compact' ? 'compact' : 'repeated';
}

/** The VITROS reply records for an answer, and the warnings staff must see about it. */
export function vitrosReply(settings: DeviceSettings, answer: QueryAnswer, now: number): AstmReply {
  const header = vitrosHeader(settings, now);
  if (answer.kind === 'error') return { records: [header, 'L|1|Q'] };
  const ordered = answer.orders.filter((o: OrderInfo) => o.tests.length > 0);
  if (ordered.length === 0) return { records: [header, 'L|1|I'] };
  const records = [header];
  const warnings: string[] = [];
  ordered.forEach((o, i) => {
    const fluid = bodyFluidCode(o.specimenType, settings);
    if (fluid === null) {
      warnings.push(
        `VITROS order for ${o.barcode}: specimen type "${o.specimenType ?? '(none)'}" has no VITROS body fluid code; ` +
          'it was sent without one (O-16 empty), not as serum. Add the code to the machine\'s body_fluid_codes in the LIS.',
      );
    }
    const priority = o.priority === 'stat' ? 'S' : 'R';
    records.push(`P|${i + 1}`, `O|1|${escapeText(o.barcode, STANDARD_DELIMITERS)}||${vitrosAssayList(o.tests, assayListForm(settings))}|${priority}||||||N||||${fluid ?? ''}||||||||||O`);
  });
  records.push('L|1|N');
  return warnings.length > 0 ? { records, warnings } : { records };
}

/** `M|1|E|PY1|033|N|Unable to find program…` and `E` records: what the analyzer reports as errors. */
export function vitrosDeviceErrors(group: StoreGroup): string[] {
  const out: string[] = [];
  for (const r of group.records) {
    if (r.type === 'M' && (r.fields[2] ?? '').toUpperCase() === 'E') {
      const [, , , module = '', code = '', , ...text] = r.fields;
      out.push(`VITROS error ${[module, code].filter((x) => x !== '').join(' ')}: ${text.join(' ').trim() || r.raw}`);
    } else if (r.type === 'unknown' && r.recordType === 'E') {
      out.push(`VITROS error record: ${r.raw}`);
    }
  }
  return out;
}

export function vitrosDialect(settings: DeviceSettings): AstmDialect {
  return {
    // Strict framing both ways whatever the settings say: VITROS rejects anything else.
    profile: (s) => ({ ...astmProfileFrom(s, {}), framing: 'strict' }),
    reading: vitrosReading,
    reply: (_q, answer, _header, now) => vitrosReply(settings, answer, now),
    deviceErrors: vitrosDeviceErrors,
  };
}

export const vitros: Driver = {
  ...genericAstm,
  key: 'vitros_astm',
  label: 'VITROS 4600 / 5600 / 3600 (LIS2-A)',
  // The field audit's figure: VITROS cancels a host query it has no reply to after about 2.4 s.
  replyWindowMs: 2_400,
  connect: (settings) => new AstmConnection(vitrosDialect(settings), settings),
};
