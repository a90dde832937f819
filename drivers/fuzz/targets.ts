/**
 * Every fuzz target that runs in one process (no bridge), for the long run and the case count.
 * The CI suites sit beside the code they test, each in its folder's `fuzz/`.
 */
import { astmRecordTargets } from '../astm/fuzz/records.fuzz.ts';
import { astmSessionTargets } from '../astm/fuzz/session.fuzz.ts';
import { hl7Targets } from '../hl7/fuzz/hl7.fuzz.ts';
import { wireTargets } from '../../bridge/fuzz/wire.fuzz.ts';
import { driverTargets } from './drivers.fuzz.ts';
import type { AnyFuzzTarget } from './fuzz-target.ts';

export const FUZZ_TARGETS: readonly AnyFuzzTarget[] = [...astmSessionTargets, ...astmRecordTargets, ...hl7Targets, ...driverTargets, ...wireTargets];
