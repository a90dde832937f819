import { fuzzSuite } from './fuzz-suite.ts';
import { driverTargets } from './drivers.fuzz.ts';

fuzzSuite('every driver\'s connection, fuzzed', driverTargets);
