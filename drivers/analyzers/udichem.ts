import { AstmConnection } from '../astm-connection.ts';
import type { Driver } from '../driver.ts';
import { astmProfileFrom, genericAstm, genericAstmDialect } from './generic-astm.ts';

/**
 * Udichem urine/chemistry analyzers: simplified framing (`STX records CR ETX`, no frame number,
 * no checksum), and query-driven: a tube runs nothing until the order reply comes. The maker
 * documents neither reply form; these are the ones the field middleware used with it (the generic
 * ASTM order: `H|\^&|||<host id>|||||||P|1`, `P|1`, `O|1|<sid>||^^^<code>\^^^<code>`, `L|1|N`;
 * no order `H…` + `L|1|I`; failed lookup `H…` + `L|1|Q`), so they stay profile values.
 */
export const udichem: Driver = {
  ...genericAstm,
  key: 'udichem_astm',
  label: 'Udichem (ASTM, query-driven)',
  replyWindowMs: 5_000,
  connect: (settings) =>
    new AstmConnection(
      {
        ...genericAstmDialect(settings),
        // Reads either framing (the analyzer's first frame decides); replies as it last sent.
        profile: (s) => astmProfileFrom(s, { framing: 'auto' }),
      },
      settings,
    ),
};
