/**
 * Analyzer timestamps carry no time zone (ASTM `YYYYMMDDHHMMSS`, HL7 `YYYYMMDDHHMM[SS]` often
 * without an offset). They are read in the machine's zone, which the cloud knows.
 */

const PATTERN = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(?:\.\d+)?([+-]\d{4})?$/;

/** Milliseconds the zone is ahead of UTC at the instant `utcMs`. */
function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(utcMs / 1000) * 1000;
}

/** The instant an analyzer's wall-clock text names, or null when the text is not a timestamp. */
export function analyzerTimeToUtc(raw: string, timeZone: string | undefined): Date | null {
  const m = raw.trim().match(PATTERN);
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', offset] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(wall) || Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31) return null;
  if (offset) {
    const sign = offset[0] === '-' ? -1 : 1;
    return new Date(wall - sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3, 5))) * 60_000);
  }
  if (!timeZone) return new Date(wall - new Date(wall).getTimezoneOffset() * -60_000);
  try {
    // Two passes settle the offset across a daylight-saving change.
    let utc = wall - zoneOffsetMs(wall, timeZone);
    utc = wall - zoneOffsetMs(utc, timeZone);
    return new Date(utc);
  } catch {
    return null;
  }
}
