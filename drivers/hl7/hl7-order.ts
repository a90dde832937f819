/** What the engine found for a queried tube, in the terms the reply builders need. */

export interface Hl7Order {
  sampleId: string;
  patient?: {
    id?: string;
    family?: string;
    given?: string;
    /** HL7 table 0001: M, F, O, U. Hematology analyzers choose the reference group from it. */
    sex?: string;
    /** `YYYYMMDD` (or a longer HL7 TS): with sex, what picks the analyzer's reference group. */
    birthDate?: string;
  };
  /** Hematology run mode, sent back as OBX lines (`testMode` such as `CBC+DIFF`). */
  runMode?: {
    takeMode?: string;
    bloodMode?: string;
    testMode?: string;
    refGroup?: string;
    remark?: string;
  };
  /** Chemistry tests (Mindray BS: the analyzer's own test numbers). */
  tests?: Array<{ code: string; name?: string }>;
  /** HL7 TS of collection. */
  collectedAt?: string;
  stat?: boolean;
  /** Specimen type as the analyzer names it (`serum`, `plasma`, `urine`). */
  specimenType?: string;
  doctor?: string;
  department?: string;
  bed?: string;
}

/** The order lookup itself failed (cloud down, no cache): answered as an error, never as "no order". */
export interface LookupFailure {
  lookupFailed: string;
}

export type OrderLookup = Hl7Order | Hl7Order[] | null | LookupFailure;

export function isLookupFailure(x: OrderLookup): x is LookupFailure {
  return x !== null && !Array.isArray(x) && 'lookupFailed' in x;
}

export function ordersOf(x: OrderLookup): Hl7Order[] {
  if (x === null || isLookupFailure(x)) return [];
  return Array.isArray(x) ? x : [x];
}
