import { dymind } from './analyzers/dymind.ts';
import { genericAstm } from './analyzers/generic-astm.ts';
import { genericHl7 } from './analyzers/generic-hl7.ts';
import { maglumi } from './analyzers/maglumi.ts';
import { udichem } from './analyzers/udichem.ts';
import { vitros } from './analyzers/vitros.ts';
import type { Driver } from './driver.ts';

/**
 * Driver keys as the cloud names them → drivers. Adding an analyzer = one file in `analyzers/`,
 * one line here, a test, and a row in README.md's table.
 */
export const DRIVERS: Readonly<Record<string, Driver>> = Object.freeze({
  [maglumi.key]: maglumi,
  [udichem.key]: udichem,
  [vitros.key]: vitros,
  [dymind.key]: dymind,
  [genericAstm.key]: genericAstm,
  [genericHl7.key]: genericHl7,
});

export class UnknownDriverError extends Error {}

export function driverFor(key: string): Driver {
  const driver = DRIVERS[key];
  if (!driver) throw new UnknownDriverError(`no driver "${key}" in this console version; update the console, or choose another driver for this analyzer in the LIS`);
  return driver;
}
