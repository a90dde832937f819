import { AstmConnection } from '../astm-connection.ts';
import type { Driver } from '../driver.ts';
import { astmProfileFrom, genericAstm, genericAstmDialect } from './generic-astm.ts';

/**
 * Snibe Maglumi 800 / X3 (immunoassay): simplified framing (`STX H…CR P…CR O…CR R…CR L|1|N CR ETX`,
 * no frame number, no checksum, whole message in one block); test ids are names (`^^^TSH II`,
 * the code is component 4 as sent, spaces and all); R-6 ranges as text (`0.3 to 4.5`).
 *
 * Results only: the Maglumi's own traffic in the field holds no host query. One message may hold
 * the same test twice (a rerun, an hour apart): both are kept, told apart by their R-13 times.
 * Should a Maglumi set to bidirectional mode send a Q record, it is answered in the generic ASTM
 * form (unverified on a Maglumi: a profile value).
 */
export const maglumi: Driver = {
  ...genericAstm,
  key: 'maglumi_astm',
  label: 'Snibe Maglumi 800 / X3 (ASTM, simplified framing)',
  connect: (settings) =>
    new AstmConnection(
      {
        ...genericAstmDialect(settings),
        // Each session's first frame decides (the Maglumi sends simplified frames; a strict one
        // from a reconfigured analyzer is read too); replies go out as the analyzer last sent.
        profile: (s) => astmProfileFrom(s, { framing: 'auto' }),
      },
      settings,
    ),
};
