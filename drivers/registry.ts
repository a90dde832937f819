import { genericAstm } from './analyzers/generic-astm.ts';
import { udichem } from './analyzers/udichem.ts';
import type { Driver } from './driver.ts';

/** Driver keys as the cloud names them → drivers. Adding an analyzer = one file and one line here. */
export const DRIVERS: Readonly<Record<string, Driver>> = Object.freeze({
  [genericAstm.key]: genericAstm,
  [udichem.key]: udichem,
});

export class UnknownDriverError extends Error {}

export function driverFor(key: string): Driver {
  const driver = DRIVERS[key];
  if (!driver) throw new UnknownDriverError(`no driver "${key}" in this console version; update the console, or choose another driver for this analyzer in the LIS`);
  return driver;
}
