import { fuzzSuite } from '../../fuzz/fuzz-suite.ts';
import { framer } from './hl7.fuzz.ts';

fuzzSuite('HL7 MLLP framer against a byte-at-a-time reference, fuzzed', [framer]);
