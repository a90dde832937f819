import { AstmConnection, type AstmDialect } from '../astm-connection.ts';
import { genericReading } from '../astm-results.ts';
import type { DeviceSettings, Driver, OrderInfo, QueryAnswer } from '../driver.ts';

/** `YYYYMMDDHHMMSS` in local time, as analyzers without time zones expect it. */
export function astmTimestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export function hostId(settings: DeviceSettings): string {
  return typeof settings.host_id === 'string' && settings.host_id !== '' ? settings.host_id : 'LIS';
}

export function charsetOf(settings: DeviceSettings): 'latin1' | 'windows-1252' | 'utf-8' {
  const c = String(settings.charset ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
  if (c === 'utf8') return 'utf-8';
  if (c === 'latin1' || c === 'iso88591') return 'latin1';
  return 'windows-1252';
}

/** The generic ASTM order reply (the form the field middleware used): one P/O group per ordered tube. */
export function genericOrderReply(settings: DeviceSettings, answer: QueryAnswer): string[] {
  const header = `H|\\^&|||${hostId(settings)}|||||||P|1`;
  if (answer.kind === 'error') return [header, 'L|1|Q'];
  const ordered = answer.orders.filter((o: OrderInfo) => o.tests.length > 0);
  if (ordered.length === 0) return [header, 'L|1|I'];
  const records = [header];
  ordered.forEach((o, i) => {
    records.push(`P|${i + 1}`, `O|1|${o.barcode}||${o.tests.map((t) => `^^^${t}`).join('\\')}`);
  });
  records.push('L|1|N');
  return records;
}

/** Framing, charset and replies from the cloud's connection settings, for analyzers without a driver of their own. */
export function genericAstmDialect(settings: DeviceSettings): AstmDialect {
  return {
    profile: (s) => ({
      framing: s.framing === 'strict' || s.framing === 'simplified' ? s.framing : 'auto',
      charset: charsetOf(s),
    }),
    reading: genericReading,
    reply: (_q, answer) => genericOrderReply(settings, answer),
  };
}

export const genericAstm: Driver = {
  key: 'generic_astm',
  label: 'Generic ASTM (E1381/E1394)',
  protocol: 'astm',
  replyWindowMs: 10_000,
  // LIS01-A2 6.5.2.5: an analyzer waits 15 s for our reply; a little margin for the write itself.
  staleAfterMs: 14_000,
  serialDefaults: { baud_rate: 9600, data_bits: 8, parity: 'none', stop_bits: 1 },
  connect: (settings) => new AstmConnection(genericAstmDialect(settings), settings),
};
