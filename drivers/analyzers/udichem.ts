import { AstmConnection } from '../astm-connection.ts';
import type { Driver } from '../driver.ts';
import { charsetOf, genericAstm, genericAstmDialect } from './generic-astm.ts';

/**
 * Udichem urine/chemistry analyzers: simplified framing (`STX records CR ETX`, no frame number,
 * no checksum), and query-driven: a tube runs nothing until the order reply comes. The maker
 * documents neither reply form; these are the ones the field middleware used with it.
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
        profile: (s) => ({ framing: s.framing === 'strict' ? 'strict' : 'auto', charset: charsetOf(s) }),
      },
      settings,
    ),
};
