import { fuzzSuite } from '../../fuzz/fuzz-suite.ts';
import { randomOps, splitInvariance } from './session.fuzz.ts';

fuzzSuite('ASTM framer and session: random input, any cutting', [randomOps, splitInvariance]);
