/**
 * The LIS02-A2 record model. Every record keeps its fields as sent (still escaped), so nothing
 * is lost and re-encoding is exact; the typed properties are those fields read for a driver
 * (unescaped, split into components and repeats where the standard has them).
 *
 * Field numbering follows the standard: `fields[n - 1]` is field n, `fields[0]` the record type
 * (so O-3, the specimen id, is `fields[2]`). Trailing empty fields are not kept (LIS02-A2 6.4.5
 * lets a sender omit them, so "|||" at the end means nothing).
 */

export interface Delimiters {
  field: string;
  repeat: string;
  component: string;
  escape: string;
}

export const STANDARD_DELIMITERS: Readonly<Delimiters> = Object.freeze({ field: '|', repeat: '\\', component: '^', escape: '&' });

interface RecordBase {
  /** The record's text as received (or as encoded, for a record we built), without its CR. */
  raw: string;
  /** Field texts as sent, still escaped. */
  fields: string[];
  delimiters: Delimiters;
}

/** Comment, manufacturer and scientific records belong to the record before them. */
export type AttachedRecord = CommentRecord | ManufacturerRecord | ScientificRecord;

interface ParentRecord extends RecordBase {
  /** C, M and S records that followed this one in the message, filled in when its group is stored. */
  attached: AttachedRecord[];
}

/** A universal test id (LIS02-A2 5.5.1.1): `^^^local code^...`, one repeat of O-5, R-3 or Q-5. */
export interface TestId {
  /** The repeat exactly as sent (`^^^1.0000+309+1.0`): what identifies the test for idempotency. */
  text: string;
  components: string[];
  universalId: string;
  name: string;
  type: string;
  /** Component 4, the manufacturer's code (`TSH II`, `1.0000+309+1.0`); empty when the sender put its code elsewhere. */
  localCode: string;
}

export interface HeaderRecord extends ParentRecord {
  type: 'H';
  messageControlId: string;
  password: string;
  /** H-5, components (`H500^906YOXH02459^2.2.0.5`). */
  sender: string[];
  /** H-10 */
  receiver: string[];
  /** H-12: P production, T training, D debugging, Q quality control. */
  processingId: string;
  /** H-13 (`LIS2-A`, `LIS2-A2`, `E1394-97`). */
  version: string;
  /** H-14 as sent (YYYYMMDDHHMMSS, no time zone). */
  timestamp: string;
}

export interface PatientRecord extends ParentRecord {
  type: 'P';
  sequence: string;
  /** P-3 */
  practicePatientId: string;
  /** P-4 */
  laboratoryPatientId: string;
  /** P-5 */
  patientIdNumber3: string;
  /** P-6, components (last^first^middle^suffix^title). */
  name: string[];
  /** P-8 */
  birthDate: string;
  /** P-9 */
  sex: string;
  /** P-14 */
  physician: string[];
  /** P-26 */
  location: string;
}

export interface OrderRecord extends ParentRecord {
  type: 'O';
  sequence: string;
  /** O-3, components: the specimen id (barcode) first, then what the analyzer adds (`sid^tray^cup`). */
  specimenId: string[];
  /** O-4 */
  instrumentSpecimenId: string[];
  /** O-5, one entry per repeat. */
  tests: TestId[];
  /** O-6: S stat, A ASAP, R routine, C callback, P preoperative. */
  priority: string;
  /** O-7 */
  requestedAt: string;
  /** O-8 */
  collectedAt: string;
  /** O-12: C cancel, A add, N new, P pending, L reserved, X in process, Q QC. */
  actionCode: string;
  /** O-16, components (VITROS: body fluid `5` = serum). */
  specimenDescriptor: string[];
  /** O-23 */
  reportedAt: string;
  /** O-26: O order, C correction, P preliminary, F final, X cannot be done, I in process, Y no order, Z no record, Q response to query. */
  reportType: string;
}

export type Comparator = '<' | '>' | '<=' | '>=';

export interface ResultRecord extends ParentRecord {
  type: 'R';
  sequence: string;
  /** */
  test: TestId;
  /** R-4's first component, as the analyzer wrote it (`<15`, `7,41`, `NA`, `No Result`, ``). */
  value: string;
  /** R-4's components (`3+^3+^45`). */
  valueComponents: string[];
  /** The comparator that `value` starts with, if any. */
  comparator?: Comparator;
  /** */
  units: string;
  /** R-6's first component (`0.3 to 4.5`, `0.15 - 0.40`). */
  referenceRange: string;
  /** R-7, one per repeat: the repeat's last non-empty component (`L`, `HH`, VITROS `^0^NQ` → `NQ`). */
  flags: string[];
  /** R-7 repeats with all their components. */
  flagComponents: string[][];
  /** */
  abnormalityNature: string;
  /** F final, C correction, P preliminary, V verified (VITROS), X cannot be done, ... */
  status: string;
  /** R-11, components. */
  operator: string[];
  /** */
  startedAt: string;
  /** */
  completedAt: string;
  /** */
  instrument: string;
}

export interface CommentRecord extends RecordBase {
  type: 'C';
  sequence: string;
  /** C-3: P practice, L laboratory, I instrument. */
  source: string;
  /** C-4, one entry per repeat, each its components. */
  text: string[][];
  /** C-5: G generic, T test name, P positive, N negative, I instrument flag. */
  commentType: string;
}

/** repeat: patient id ^ specimen id ^ further components. */
export interface QueryRange {
  components: string[];
  patientId: string;
  specimenId: string;
}

export interface QueryRecord extends ParentRecord {
  type: 'Q';
  sequence: string;
  /** Q-3, one entry per repeat. */
  startingRange: QueryRange[];
  /** */
  endingRange: QueryRange[];
  /**
   * The specimen ids asked for, in order: each Q-3 repeat's specimen-id component, or its first
   * component when the analyzer put the id there. Empty when `all`.
   */
  specimenIds: string[];
  /** Q-3 is `ALL`. */
  all: boolean;
  /** Q-5 (`ALL` means every test). */
  tests: TestId[];
  allTests: boolean;
  /** */
  beginAt: string;
  endAt: string;
  /** O orders and demographics, A abort (cancel this query), N new, ... */
  status: string;
  /** Q-13 is `A`: the analyzer withdraws the query. */
  cancel: boolean;
}

export interface ManufacturerRecord extends RecordBase {
  type: 'M';
  sequence: string;
}

export interface ScientificRecord extends RecordBase {
  type: 'S';
  sequence: string;
}

export interface TerminatorRecord extends RecordBase {
  type: 'L';
  sequence: string;
  /** L-3: N normal, T sender aborted, R receiver asked to abort, E unknown error, Q error in last query, I no information, F last request processed. */
  code: string;
}

/** A record type the standard does not define: kept whole, never fatal. */
export interface UnknownRecord extends RecordBase {
  type: 'unknown';
  /** The type field as sent (`fields[0]`), e.g. `E` or, from a broken sender, `2P`. */
  recordType: string;
}

export type AstmRecord =
  | HeaderRecord
  | PatientRecord
  | OrderRecord
  | ResultRecord
  | CommentRecord
  | QueryRecord
  | ManufacturerRecord
  | ScientificRecord
  | TerminatorRecord
  | UnknownRecord;

export type KnownRecordType = 'H' | 'P' | 'O' | 'R' | 'C' | 'Q' | 'M' | 'S' | 'L';
