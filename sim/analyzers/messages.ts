/** The messages each simulated analyzer sends, as captured in the field. */

export function yyyymmdd(d = new Date()): string {
  return `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}`;
}

export interface UdichemResult {
  barcode: string;
  test?: string;
  value?: string;
  units?: string;
  range?: string;
  date?: string;
}

export function udichemResult(r: UdichemResult): string[] {
  const date = r.date ?? yyyymmdd();
  const test = r.test ?? 'GLU';
  return [
    `H|\\^&||PSWD|Udichem|||||Lis||P|E1394-97|${date}`,
    'P|1',
    `O|1|${r.barcode}||^^^${test}`,
    `R|1|^^^${test}|${r.value ?? '99'}|${r.units ?? 'mg/dl'}|${r.range ?? '70 to 110'}|N||||||${date}`,
    'L|1|N',
  ];
}

/** Two patients, one result each: a message whose first group is stored before the second arrives. */
export function twoPatientMessage(barcodes: [string, string], date = '20261124101500'): string[] {
  return [
    `H|\\^&|||Udichem|||||Lis||P|E1394-97|${date}`,
    'P|1',
    `O|1|${barcodes[0]}||^^^GLU`,
    `R|1|^^^GLU|101|mg/dl|70 to 110|N||||||${date}`,
    'P|2',
    `O|1|${barcodes[1]}||^^^GLU`,
    `R|1|^^^GLU|102|mg/dl|70 to 110|N||||||${date}`,
    'L|1|N',
  ];
}

export function yyyymmddhhmmss(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${yyyymmdd(d)}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/* ---- VITROS (LIS2-A), as in the VITROS 3600 captures ---- */

function vitrosHeader(analyzerId: string, at = new Date()): string {
  return `H|\\^&|||${analyzerId}||||||||LIS2-A|${yyyymmddhhmmss(at)}`;
}

/** `Q|1|^<sid>||ALL||||||||O`: the program for one tube. */
export function vitrosQuery(sampleId: string, analyzerId = '3600796'): string[] {
  return [vitrosHeader(analyzerId), `Q|1|^${sampleId}||ALL||||||||O`, 'L|1|N'];
}

/** The same query withdrawn (Q-13 `A`), the message ended as aborted (`L|1|T`). */
export function vitrosCancel(sampleId: string, analyzerId = '3600796'): string[] {
  return [vitrosHeader(analyzerId), `Q|1|^${sampleId}||ALL||||||||A`, 'L|1|T'];
}

/** What VITROS sends back about a host reply it cannot use. */
export function vitrosRejection(sampleId: string, analyzerId = '3600796'): string[] {
  return [vitrosHeader(analyzerId), `M|1|E|PY1|033|N|Unable to find program for sample ${sampleId}`, 'L|1|N'];
}

export interface VitrosResult {
  assay: string;
  value: string;
  units?: string;
  /** R-7 repeats, each `^<n>^<code>` as VITROS writes them. */
  flags?: string;
}

/**
 * A patient result message: O-3 `sid^tray^cup`, O-5 the compact list of wrapped assay ids, R-3
 * each `^^^1.0000+<code>+1.0`, R-9 `V`, HIL (950/951/952) after the tests.
 */
export function vitrosResult(sampleId: string, results: VitrosResult[], opts: { tray?: string; cup?: string; analyzerId?: string; at?: Date } = {}): string[] {
  const at = opts.at ?? new Date();
  const ts = yyyymmddhhmmss(at);
  const codes = results.map((r) => r.assay);
  const list = [`^^^1.0000+${codes[0]}+1.0`, ...codes.slice(1).map((c) => `${c}+1.0`)].join('\\');
  return [
    vitrosHeader(opts.analyzerId ?? '3600796', at),
    'P|1',
    `O|1|${sampleId}^${opts.tray ?? '1'}^${opts.cup ?? '3'}||${list}|R||||||N||||5||||||||||F`,
    ...results.map((r, i) => `R|${i + 1}|^^^1.0000+${r.assay}+1.0|${r.value}|${r.units ?? ''}||${r.flags ?? '^0^'}||V|||${ts}|${ts}|36000796`),
    'L|1|N',
  ];
}

/* ---- Snibe Maglumi, as in its serial-monitor log ---- */

export interface MaglumiResult {
  test: string;
  value: string;
  units: string;
  range: string;
  flag?: string;
  /** R-13, `YYYYMMDDHHMMSS`. */
  at: string;
}

export function maglumiResult(sampleId: string, results: MaglumiResult[], date = yyyymmdd()): string[] {
  return [
    `H|\\^&||PSWD|Maglumi User|||||Lis||P|E1394-97|${date}`,
    'P|1',
    `O|1|${sampleId}||${results.map((r) => `^^^${r.test}`).join('\\')}`,
    ...results.map((r, i) => `R|${i + 1}|^^^${r.test}|${r.value}|${r.units}|${r.range}|${r.flag ?? 'N'}||||||${r.at}`),
    'L|1|N',
  ];
}

/* ---- Udichem host query (the generic ASTM form) ---- */

export function udichemQuery(sampleId: string, opts: { cancel?: boolean } = {}): string[] {
  return [`H|\\^&||PSWD|Udichem|||||Lis||P|E1394-97|${yyyymmddhhmmss()}`, `Q|1|^${sampleId}||ALL||||||||${opts.cancel ? 'A' : 'O'}`, `L|1|${opts.cancel ? 'T' : 'N'}`];
}

/* ---- Dymind DH36 (HL7 v2.3.1), as in the ELite 580 capture ---- */

export interface DymindParameter {
  code: string;
  name: string;
  value: string;
  units: string;
  range: string;
  /** OBX-8 repeats, e.g. `H~A`. */
  flags?: string;
}

export function dymindOru(controlId: string, sampleId: string, params: DymindParameter[], at = new Date()): string {
  const ts = yyyymmddhhmmss(at);
  return [
    `MSH|^~\\&|DH36|Dymind|||${ts}||ORU^R01|${controlId}|P|2.3.1||||||UNICODE`,
    'PID|1',
    'PV1|1',
    `OBR|1||${sampleId}|01001^Automated Count^99MRC||${ts}|${ts}|||||||${ts}||||||||||HM||||||||admin`,
    'OBX|1|IS|02001^Take Mode^99MRC||A||||||F',
    'OBX|2|IS|02002^Blood Mode^99MRC||W||||||F',
    'OBX|3|IS|02003^Test Mode^99MRC||CBC+DIFF||||||F',
    ...params.map((p, i) => `OBX|${i + 4}|NM|${p.code}^${p.name}^LN||${p.value}|${p.units}|${p.range}|${p.flags ?? '~N'}|||F`),
  ].join('\r') + '\r';
}

/** The hematology host query: `ORC|RF||<sid>||IP` (`ORC|CA` withdraws it). */
export function dymindOrm(controlId: string, sampleId: string, opts: { cancel?: boolean } = {}): string {
  return [`MSH|^~\\&|DH36|Dymind|||${yyyymmddhhmmss()}||ORM^O01|${controlId}|P|2.3.1||||||UNICODE`, `ORC|${opts.cancel ? 'CA' : 'RF'}||${sampleId}||IP`].join('\r') + '\r';
}
