import { fuzzSuite } from '../../fuzz/fuzz-suite.ts';
import { astmRecordTargets } from './records.fuzz.ts';

fuzzSuite("ASTM record codec, fuzzed", astmRecordTargets);
