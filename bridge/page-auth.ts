import { timingSafeEqual } from 'node:crypto';

/** Constant-time comparison, so a page cannot learn the token a byte at a time. */
export function tokenMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Failed upgrades and handshakes per minute; past the limit the bridge refuses outright, so a
 * hostile page cannot guess tokens at speed.
 */
export class FailureLimiter {
  private readonly times: number[] = [];

  constructor(
    private readonly maxPerWindow = 20,
    private readonly windowMs = 60_000,
  ) {}

  record(now: number): void {
    this.times.push(now);
    this.trim(now);
  }

  blocked(now: number): boolean {
    this.trim(now);
    return this.times.length >= this.maxPerWindow;
  }

  private trim(now: number): void {
    while (this.times.length > 0 && now - this.times[0] > this.windowMs) this.times.shift();
  }
}
