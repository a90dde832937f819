import { describe, expect, it } from 'vitest';
import { DetachBuffer } from './detach-buffer.ts';
import { FailureLimiter, tokenMatches } from './page-auth.ts';

describe('DetachBuffer', () => {
  it('keeps chunks in order with their arrival time', () => {
    const b = new DetachBuffer(100);
    b.push({ conn: 1, at: 10, bytes: new Uint8Array([5]) });
    b.push({ conn: 1, at: 20, bytes: new Uint8Array([2, 3]) });
    expect(b.drain()).toEqual([
      { conn: 1, at: 10, bytes: new Uint8Array([5]) },
      { conn: 1, at: 20, bytes: new Uint8Array([2, 3]) },
    ]);
    expect(b.drain()).toEqual([]);
  });

  it('drops the oldest chunks past its cap', () => {
    const b = new DetachBuffer(4);
    b.push({ conn: 1, at: 1, bytes: new Uint8Array(3) });
    b.push({ conn: 1, at: 2, bytes: new Uint8Array(3) });
    expect(b.drain().map((c) => c.at)).toEqual([2]);
  });
});

describe('page authentication', () => {
  it('compares tokens exactly', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abd')).toBe(false);
    expect(tokenMatches('abc', 'ab')).toBe(false);
    expect(tokenMatches('abc', '')).toBe(false);
  });

  it('blocks after too many failures in the window, and forgets them after it', () => {
    const l = new FailureLimiter(3, 1000);
    l.record(0);
    l.record(10);
    expect(l.blocked(20)).toBe(false);
    l.record(30);
    expect(l.blocked(40)).toBe(true);
    expect(l.blocked(1500)).toBe(false);
  });
});
