import { fuzzSuite } from '../../fuzz/fuzz-suite.ts';
import { parser } from './hl7.fuzz.ts';

fuzzSuite('HL7 parser and the readers above it, fuzzed', [parser]);
