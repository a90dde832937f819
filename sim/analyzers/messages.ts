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
