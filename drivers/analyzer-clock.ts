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

/**
 * The instant an analyzer timestamp (`YYYYMMDD[HHMM[SS]][.fff][+hhmm]`) stands for, or undefined if
 * it is not one. An explicit offset (HL7 allows one) wins over the machine's zone.
 */
export function analyzerTimeToEpoch(raw: string, timezone?: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(?:\.\d+)?([+-]\d{4})?$/.exec(raw.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) return undefined;
  const wall = Date.UTC(y, mo - 1, d, h, mi, sec);
  if (Number.isNaN(wall)) return undefined;
  const offset = m[7];
  if (offset) {
    const sign = offset[0] === '-' ? -1 : 1;
    return wall - sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3, 5))) * 60_000;
  }
  if (!timezone || !formatter(timezone)) {
    const local = new Date(y, mo - 1, d, h, mi, sec).getTime();
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
