import { buildOrrReply, type Hl7HostQuery } from '../hl7/index.ts';
import type { DeviceSettings, Driver, QueryAnswer } from '../driver.ts';
import { Hl7Connection, type Hl7Dialect, type Hl7Reply } from '../hl7-connection.ts';
import { hematologyOrder, hl7Profile, orderLookup } from './generic-hl7.ts';

/**
 * Dymind DH36 (and the Dymind-built Erba ELite 580 / Mindray BC family) hematology, HL7 v2.3.1
 * over MLLP on a connection the analyzer keeps open:
 * - results: ORU^R01, sample id in OBR-3, one OBX per parameter (OBX-3 `6690-2^WBC^LN`: the
 *   code the cloud maps is the name, `WBC`), run-mode OBX lines kept as sample attributes;
 *   answered ACK^R01 `MSA|AA|<MSH-10>` once stored;
 * - host query: ORM^O01 `ORC|RF||<sid>||IP` → ORR^O02: `MSA|AA|<query MSH-10>`, PID, PV1,
 *   `ORC|AF|<sid>`, `OBR|1|<sid>||01001^Automated Count^99MRC`, OBX run mode (Test Mode from the
 *   order's tests, e.g. `CBC+DIFF`); no order `MSA|AR|<query MSH-10>|no order for <sid>`; failed
 *   lookup `MSA|AE|<query MSH-10>|<reason>`.
 */

export function dymindReply(query: Hl7HostQuery, answer: QueryAnswer, settings: DeviceSettings): Hl7Reply {
  const profile = hl7Profile(settings);
  return { reply: buildOrrReply(query, orderLookup(answer, (o) => hematologyOrder(o, settings)), { profile }) };
}

export function dymindDialect(settings: DeviceSettings): Hl7Dialect {
  return {
    profile: hl7Profile,
    testCode: (r) => (r.testName || r.testCode).trim(),
    reply: (query, answer) => dymindReply(query, answer, settings),
  };
}

export const dymind: Driver = {
  key: 'dymind_hl7',
  label: 'Dymind DH36 (HL7 v2.3.1 / MLLP)',
  protocol: 'hl7',
  replyWindowMs: 2_000,
  // Dymind resends an unacknowledged message after its own timeout; bytes older than this are not answered.
  staleAfterMs: 10_000,
  // The DH36 talks HL7 over TCP (MLLP); 9600 8N1 is only a starting point should a lab use a serial link (unverified).
  serialDefaults: { baud_rate: 9600, data_bits: 8, parity: 'none', stop_bits: 1 },
  connect: (settings) => new Hl7Connection(dymindDialect(settings), settings),
};
