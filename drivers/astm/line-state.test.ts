import { describe, expect, it } from 'vitest';
import { moveLine, type LineMove, type LineState } from './line-state.ts';

describe('line state table', () => {
  it('has exactly the legal moves', () => {
    const states: LineState[] = ['neutral', 'receiving', 'sending', 'contention'];
    const moves: LineMove[] = ['enq-accepted', 'send-started', 'contention', 'inbound-ended', 'outbound-ended', 'contention-ended'];
    const legal: string[] = [];
    for (const s of states) for (const m of moves) {
      try {
        legal.push(`${s} --${m}--> ${moveLine(s, m)}`);
      } catch {
        // illegal: a bug in the session, never reachable from the wire
      }
    }
    expect(legal).toEqual([
      'neutral --enq-accepted--> receiving',
      'neutral --send-started--> sending',
      'receiving --inbound-ended--> neutral',
      'sending --contention--> contention',
      'sending --outbound-ended--> neutral',
      'contention --enq-accepted--> receiving',
      'contention --contention-ended--> neutral',
    ]);
  });
});
