/**
 * The common model every driver maps analyzer traffic to, whatever its protocol. The engine, the
 * outbox and the cloud client only ever see these shapes.
 */

export type Comparator = '<' | '>' | '<=' | '>=';

export interface AnalyzerResult {
  /** The tube's barcode as the LIS knows it (first component of ASTM O-3, HL7 OBR-3), trimmed. */
  sampleId: string;
  /** Further specimen-id components the analyzer sent beside the barcode (tray, cup, position). */
  sampleIdParts?: string[];
  /** The analyzer's own test code (`GLU`, `309`, `WBC`): what the cloud maps to a LIS test. */
  testCode: string;
  /** The full test id exactly as sent, dilution and all (`^^^1.0000+309+1.0`); part of the idempotency key. */
  testId: string;
  testName?: string;
  /** The value as the analyzer's text: never a float, so `<15`, trailing zeros and masks survive. */
  value: string;
  comparator?: Comparator;
  units: string;
  referenceRange: string;
  flags: string[];
  /** ASTM R-9 / HL7 OBX-11 (F final, C correction, P preliminary, …). */
  status: string;
  /** The result time as the analyzer wrote it (ASTM R-13 else R-12; HL7 OBX-14 else OBR-7). */
  completedAtRaw: string;
  /** True when the value is a mask such as `**.*` or otherwise not a usable result. */
  invalid?: boolean;
  /** Quality-control sample rather than a patient's. */
  qc?: boolean;
  /** Sample-quality indices (VITROS HIL 950/951/952) are reported beside tests, not as tests. */
  kind?: 'test' | 'sample-quality-index';
  /**
   * The analyzer sent its own sample number and the device's barcode translation found no LIS
   * barcode for it: delivered anyway under the analyzer's number, for staff to match by hand.
   */
  unmatched?: boolean;
  /** Free attributes of the sample or run (HL7 run mode, tray, operator). */
  attributes?: Record<string, string>;
}

/** A host query: the analyzer read a tube and asks which tests to run. */
export interface AnalyzerQuery {
  /** Specimen ids in the order the analyzer listed them; `ALL` means every pending work order. */
  sampleIds: string[];
  all: boolean;
  /** True when the analyzer withdraws an earlier query (ASTM Q-13 `A`). */
  cancel: boolean;
}
