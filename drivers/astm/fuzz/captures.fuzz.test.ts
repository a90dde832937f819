import { fuzzSuite } from '../../fuzz/fuzz-suite.ts';
import { damagedFrameResent, mutatedCapture, nakIgnored, strayEnq } from './session.fuzz.ts';

fuzzSuite('ASTM framer and session: real captures, damaged', [mutatedCapture, damagedFrameResent, nakIgnored, strayEnq]);
