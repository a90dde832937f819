import { fuzzSuite } from '../../drivers/fuzz/fuzz-suite.ts';
import { wireTargets } from './wire.fuzz.ts';

fuzzSuite('the bridge wire codec, fuzzed', wireTargets);
