import { describe, expect, it } from 'vitest';
import { genericAstm } from './analyzers/generic-astm.ts';
import { simplifiedMessage, TestEngine } from './analyzers/fixtures/test-engine.ts';
import { clockSkewMs } from './astm-connection.ts';
import type { HeaderRecord } from './astm/index.ts';

const q = (sid: string) => simplifiedMessage(['H|\\^&|||X|||||||P|1', `Q|1|^${sid}||ALL||||||||O`, 'L|1|N']);

describe('AstmConnection', () => {
  it('reports each reply\'s first byte when its own ENQ goes out, even when it waited for the line', () => {
    const e = new TestEngine(genericAstm.connect({}));
    e.feed(q('A'));
    e.feed(q('B'));
    e.takeWritten();
    const [a, b] = e.queries();
    e.now += 10;
    e.answer(a.queryId, { kind: 'orders', orders: [{ barcode: 'A', tests: ['GLU'] }] });
    const firstAt = e.now;
    e.now += 10;
    e.answer(b.queryId, { kind: 'orders', orders: [{ barcode: 'B', tests: [] }] });
    expect(e.ofType('query-replied')).toEqual([{ type: 'query-replied', queryId: a.queryId, reply: 'order', firstByteAt: firstAt }]);
    // The analyzer ACKs the first reply's ENQ and frame; once it is delivered the second starts.
    e.takeWritten();
    e.now += 5;
    e.apply(e.conn.receive(Uint8Array.of(0x06), e.now));
    e.now += 5;
    e.apply(e.conn.receive(Uint8Array.of(0x06), e.now));
    expect(e.ofType('query-replied')).toEqual([
      { type: 'query-replied', queryId: a.queryId, reply: 'order', firstByteAt: firstAt },
      { type: 'query-replied', queryId: b.queryId, reply: 'no-order', firstByteAt: e.now },
    ]);
    expect(e.conn.busy()).toBe(true);
  });

  it('is busy while it owes a reply, and not once the reply is delivered', () => {
    const e = new TestEngine(genericAstm.connect({}));
    e.feed(q('A'));
    expect(e.conn.busy()).toBe(true);
    e.answer(1, { kind: 'error', reason: 'x' });
    e.receiveAstm();
    expect(e.conn.busy()).toBe(false);
  });

  it('computes clock skew in the machine\'s zone, and none for a date-only header', () => {
    const header = (timestamp: string) => ({ timestamp }) as HeaderRecord;
    expect(clockSkewMs(header('20250701120000'), Date.UTC(2025, 6, 1, 9, 0, 30), 'Asia/Baghdad')).toBe(-30_000);
    expect(clockSkewMs(header('20250701'), Date.UTC(2025, 6, 1), 'UTC')).toBeUndefined();
    expect(clockSkewMs(null, 0)).toBeUndefined();
  });
});
