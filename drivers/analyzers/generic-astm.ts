import { escapeText, type AstmProfileOptions, type Delimiters } from '../astm/index.ts';
import { AstmConnection, type AstmDialect, type AstmReply } from '../astm-connection.ts';
import { configuredReading } from '../astm-results.ts';
import type { DeviceSettings, Driver, OrderInfo, QueryAnswer } from '../driver.ts';
import { analyzerTimestamp } from '../analyzer-clock.ts';

/** `YYYYMMDDHHMMSS` on the analyzer's clock (the machine's zone from the cloud, else the station's). */
export function astmTimestamp(now: number, settings: DeviceSettings = {}): string {
  return analyzerTimestamp(now, settings.timezone);
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

/**
 * The parts of an ASTM profile every driver takes from the cloud's settings (timer overrides,
 * `astm_timers`, are applied by AstmConnection to every dialect).
 */
export function astmProfileFrom(settings: DeviceSettings, defaults: AstmProfileOptions): AstmProfileOptions {
  const framing = settings.framing === 'strict' || settings.framing === 'simplified' || settings.framing === 'auto' ? settings.framing : defaults.framing;
  const maxSend = Number(settings.max_frame_text);
  return {
    ...defaults,
    framing,
    charset: charsetOf(settings),
    ...(Number.isInteger(maxSend) && maxSend >= 16 ? { maxSendFrameText: maxSend } : {}),
  };
}

/**
 * Delimiters of our replies' header, `connection_settings.delimiters` as written after `H`
 * (`|\^&`, or Erba's `|`^&`): field, repeat, component, escape. The standard set otherwise.
 */
export function replyDelimiters(settings: DeviceSettings): Delimiters {
  const d = typeof settings.delimiters === 'string' ? settings.delimiters : '';
  if (d.length === 4 && new Set(d).size === 4 && !/[A-Za-z0-9\s]/.test(d)) return { field: d[0], repeat: d[1], component: d[2], escape: d[3] };
  return { field: '|', repeat: '\\', component: '^', escape: '&' };
}

/**
 * The generic ASTM order reply (the form the field middleware used): one P/O group per ordered
 * tube, in the query's order. No order: `H` then `L|1|I`; a failed lookup: `H` then `L|1|Q`.
 */
export function genericOrderReply(settings: DeviceSettings, answer: QueryAnswer): AstmReply {
  const d = replyDelimiters(settings);
  const f = d.field;
  const header = `H${f}${d.repeat}${d.component}${d.escape}${f}${f}${f}${hostId(settings)}${f.repeat(7)}P${f}1`;
  if (answer.kind === 'error') return { records: [header, `L${f}1${f}Q`] };
  const ordered = answer.orders.filter((o: OrderInfo) => o.tests.length > 0);
  if (ordered.length === 0) return { records: [header, `L${f}1${f}I`] };
  const records = [header];
  ordered.forEach((o, i) => {
    const tests = o.tests.map((t) => `${d.component.repeat(3)}${escapeText(t, d)}`).join(d.repeat);
    records.push(`P${f}${i + 1}`, `O${f}1${f}${escapeText(o.barcode, d)}${f}${f}${tests}`);
  });
  records.push(`L${f}1${f}N`);
  return { records };
}

/** Framing, charset, delimiters, code path and replies from the cloud's connection settings. */
export function genericAstmDialect(settings: DeviceSettings): AstmDialect {
  return {
    profile: (s) => astmProfileFrom(s, { framing: 'auto' }),
    reading: configuredReading(settings),
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
