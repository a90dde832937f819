import { fuzzSuite } from '../../fuzz/fuzz-suite.ts';
import { session } from './hl7.fuzz.ts';

fuzzSuite('HL7 session on random and damaged traffic, fuzzed', [session]);
