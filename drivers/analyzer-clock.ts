/**
 * Analyzer clocks carry no time zone: their timestamps (`YYYYMMDDHHMMSS`) are wall time in the
 * machine's zone, which the cloud gives as `connection_settings.timezone` (IANA name). Without
 * one, or with a name this runtime does not know, the station's own zone is used.
 */

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatter(timezone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(timezone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: timezone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      f = null;
    }
    formatters.set(timezone, f);
  }
  return f;
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallIn(at: number, timezone: string | undefined): Wall {
  const f = timezone ? formatter(timezone) : null;
  if (!f) {
    const d = new Date(at);
    return { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(), minute: d.getMinutes(), second: d.getSeconds() };
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute, second: p.second };
}

/** `YYYYMMDDHHMMSS`: the time `at` as the analyzer's clock shows it. */
export function analyzerTimestamp(at: number, timezone?: string): string {
  const w = wallIn(at, timezone);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${w.year}${p(w.month)}${p(w.day)}${p(w.hour)}${p(w.minute)}${p(w.second)}`;
}

/** The instant an analyzer timestamp (`YYYYMMDD[HHMM[SS]]`) stands for, or undefined if it is not one. */
export function analyzerTimeToEpoch(raw: string, timezone?: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?/.exec(raw.trim());
  if (!m) return undefined;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  if (Number.isNaN(wall)) return undefined;
  if (!timezone || !formatter(timezone)) {
    const local = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)).getTime();
    return Number.isNaN(local) ? undefined : local;
  }
  // The zone's offset at a guess, then again at the corrected instant (right across DST changes).
  let at = wall - offsetAt(wall, timezone);
  at = wall - offsetAt(at, timezone);
  return at;
}

function offsetAt(at: number, timezone: string): number {
  const w = wallIn(at, timezone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(at / 1000) * 1000;
}
