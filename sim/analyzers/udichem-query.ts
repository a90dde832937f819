import { receiveAstmMessage, sendAstmMessage, type SendOutcome } from './astm-analyzer.ts';
import { ENQ, type Framing } from './astm-wire.ts';
import { ByteLink } from './byte-link.ts';
import { udichemQuery } from './messages.ts';

/**
 * A query-driven Udichem: it reads a tube, asks the host (simplified framing, `Q|1|^<sid>||ALL…`)
 * and runs nothing until the reply comes; after its window (5 s) it withdraws the query and the
 * tube is skipped. The reply must be the form the field middleware used with it:
 *   H|\^&|||<host id>|||||||P|1, then per tube P|n, O|1|<sid>||^^^<code>\^^^<code>, then L|1|N;
 *   no order: H… then L|1|I; error in last query: H… then L|1|Q.
 * The same analyzer-side rules serve the generic ASTM driver (and a Maglumi asked in that form).
 */

export type AstmQueryOutcome =
  | { kind: 'order'; orders: Array<{ sampleId: string; tests: string[] }>; records: string[]; problems: string[]; latencyMs: number }
  | { kind: 'no-order' | 'error'; records: string[]; problems: string[]; latencyMs: number }
  | { kind: 'cancelled' };

export const UDICHEM_REPLY_WINDOW_MS = 5_000;

/** What is wrong with a generic ASTM order reply, and what it orders. */
export function readGenericReply(records: string[]): { problems: string[]; terminator: string | null; orders: Array<{ sampleId: string; tests: string[] }> } {
  const problems: string[] = [];
  const orders: Array<{ sampleId: string; tests: string[] }> = [];
  if (!/^H\|\\\^&\|\|\|[^|]+\|\|\|\|\|\|\|P\|1$/.test(records[0] ?? '')) problems.push(`header ${JSON.stringify(records[0])} is not H|\\^&|||<host id>|||||||P|1`);
  let terminator: string | null = null;
  let patients = 0;
  for (const r of records.slice(1)) {
    const f = r.split('|');
    if (terminator !== null) problems.push(`record after the terminator: ${r}`);
    if (f[0] === 'P') {
      if (f[1] !== String(++patients)) problems.push(`P sequence ${f[1]} where ${patients} was due`);
    } else if (f[0] === 'O') {
      const tests = (f[4] ?? '').split('\\');
      if (f[1] !== '1' || f[2] === '' || f[3] !== '' || f.length !== 5 || tests.some((t) => !/^\^\^\^[^^]+$/.test(t))) problems.push(`order ${JSON.stringify(r)} is not O|1|<sid>||^^^<code>\\^^^<code>`);
      orders.push({ sampleId: f[2] ?? '', tests: tests.map((t) => t.slice(3)) });
    } else if (f[0] === 'L') {
      terminator = f[2] ?? '';
      if (f[1] !== '1') problems.push(`terminator ${r}`);
    } else problems.push(`unexpected record ${JSON.stringify(r)}`);
  }
  if (terminator === null) problems.push('no terminator');
  else if (terminator === 'N' ? orders.length === 0 : terminator === 'I' || terminator === 'Q' ? orders.length > 0 : true) problems.push(`terminator L|1|${terminator} does not fit ${orders.length} order(s)`);
  return { problems, terminator, orders };
}

export class QueryingAstmAnalyzer {
  private constructor(
    readonly link: ByteLink,
    private readonly port: number,
    private readonly framing: Framing,
    private readonly replyWindowMs: number,
  ) {}

  static async connect(port: number, opts: { host?: string; framing?: Framing; replyWindowMs?: number } = {}): Promise<QueryingAstmAnalyzer> {
    return new QueryingAstmAnalyzer(await ByteLink.open(opts.host ?? '127.0.0.1', port), port, opts.framing ?? 'simplified', opts.replyWindowMs ?? UDICHEM_REPLY_WINDOW_MS);
  }

  send(records: string[]): Promise<SendOutcome> {
    return sendAstmMessage({ port: this.port, link: this.link, framing: this.framing, records });
  }

  async query(sampleId: string, opts: { replyWindowMs?: number } = {}): Promise<AstmQueryOutcome> {
    const sent = await this.send(udichemQuery(sampleId));
    if (!sent.accepted) throw new Error(`the host did not take the query for ${sampleId}`);
    const start = performance.now();
    const first = await this.link.next(opts.replyWindowMs ?? this.replyWindowMs);
    if (first === null) {
      const cancel = await this.send(udichemQuery(sampleId, { cancel: true }));
      if (!cancel.accepted) throw new Error(`the host did not take the withdrawal of ${sampleId}`);
      return { kind: 'cancelled' };
    }
    const latencyMs = performance.now() - start;
    if (first !== ENQ) throw new Error(`expected the host's ENQ, got 0x${first.toString(16)}`);
    const message = await receiveAstmMessage(this.link, { framing: this.framing, firstByte: first });
    if (!message) throw new Error('the host stopped in the middle of its reply');
    const { problems, terminator, orders } = readGenericReply(message.records);
    if (message.naks > 0) problems.push(`${message.naks} frame(s) refused`);
    if (message.junk > 0) problems.push(`${message.junk} byte(s) outside frames`);
    if (terminator === 'N') return { kind: 'order', orders, records: message.records, problems, latencyMs };
    return { kind: terminator === 'Q' ? 'error' : 'no-order', records: message.records, problems, latencyMs };
  }

  close(): void {
    this.link.close();
  }
}
