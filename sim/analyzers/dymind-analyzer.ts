import { dymindOrm, dymindOru, type DymindParameter } from './messages.ts';
import { hl7Segments, MllpClient } from './mllp-client.ts';

/**
 * A Dymind DH36 hematology analyzer: HL7 v2.3.1 over one MLLP connection it keeps open. It sends
 * ORU^R01 results and expects `ACK^R01` with `MSA|AA|<its MSH-10>`; it asks for a tube's run mode
 * with ORM^O01 (`ORC|RF||<sid>||IP`) and checks the ORR^O02: MSA-2 its query's MSH-10, and for an
 * order `ORC|AF|<sid>`, `OBR|1|<sid>||01001^Automated Count^99MRC` (OBR-2 = ORC-2) and a Test Mode
 * line. With no reply inside its window it withdraws the query (`ORC|CA`).
 */

export type DymindQueryOutcome =
  | { kind: 'order'; testMode: string; problems: string[]; text: string; latencyMs: number }
  | { kind: 'no-order' | 'error'; reason: string; problems: string[]; text: string; latencyMs: number }
  | { kind: 'cancelled' };

export const DYMIND_REPLY_WINDOW_MS = 2_000;
const ACK_WAIT_MS = 10_000;

export class DymindAnalyzer {
  private seq = 0;

  private constructor(
    readonly client: MllpClient,
    private readonly replyWindowMs: number,
  ) {}

  static async connect(port: number, opts: { host?: string; replyWindowMs?: number } = {}): Promise<DymindAnalyzer> {
    return new DymindAnalyzer(await MllpClient.open(port, opts.host), opts.replyWindowMs ?? DYMIND_REPLY_WINDOW_MS);
  }

  private controlId(): string {
    return `DH${Date.now().toString(36)}${++this.seq}`;
  }

  /** Sends results; true when the host acknowledged them AA under their own control id. */
  async sendResults(sampleId: string, params: DymindParameter[], opts: { at?: Date } = {}): Promise<{ accepted: boolean; ack: string | null }> {
    const id = this.controlId();
    this.client.send(dymindOru(id, sampleId, params, opts.at));
    const ack = await this.client.next(ACK_WAIT_MS);
    if (ack === null) return { accepted: false, ack };
    const seg = hl7Segments(ack);
    const msh = seg.find((s) => s.name === 'MSH');
    const msa = seg.find((s) => s.name === 'MSA');
    return { accepted: msh?.field(9) === 'ACK^R01' && msa?.field(1) === 'AA' && msa.field(2) === id, ack };
  }

  async query(sampleId: string, opts: { replyWindowMs?: number } = {}): Promise<DymindQueryOutcome> {
    const id = this.controlId();
    this.client.send(dymindOrm(id, sampleId));
    const start = performance.now();
    const text = await this.client.next(opts.replyWindowMs ?? this.replyWindowMs);
    if (text === null) {
      const cancelId = this.controlId();
      this.client.send(dymindOrm(cancelId, sampleId, { cancel: true }));
      const ack = await this.client.next(ACK_WAIT_MS);
      const msa = ack === null ? undefined : hl7Segments(ack).find((s) => s.name === 'MSA');
      if (msa?.field(2) !== cancelId) throw new Error(`the withdrawal of ${sampleId} was not acknowledged: ${ack}`);
      return { kind: 'cancelled' };
    }
    const latencyMs = performance.now() - start;
    return { ...checkOrr(text, id, sampleId), text, latencyMs };
  }

  close(): void {
    this.client.close();
  }
}

/** What the analyzer makes of an ORR^O02, and what in it is wrong. */
export function checkOrr(text: string, queryId: string, sampleId: string): { kind: 'order'; testMode: string; problems: string[] } | { kind: 'no-order' | 'error'; reason: string; problems: string[] } {
  const seg = hl7Segments(text);
  const problems: string[] = [];
  const msh = seg.find((s) => s.name === 'MSH');
  const msa = seg.find((s) => s.name === 'MSA');
  if (msh?.field(9) !== 'ORR^O02') problems.push(`MSH-9 is ${msh?.field(9)}, not ORR^O02`);
  if (!msa) return { kind: 'error', reason: 'no MSA', problems: [...problems, 'no MSA segment'] };
  if (msa.field(2) !== queryId) problems.push(`MSA-2 is ${msa.field(2)}, not the query's ${queryId}`);
  const code = msa.field(1);
  if (code === 'AR') return { kind: 'no-order', reason: msa.field(3), problems };
  if (code === 'AE') return { kind: 'error', reason: msa.field(3), problems };
  if (code !== 'AA') return { kind: 'error', reason: `MSA-1 ${code}`, problems: [...problems, `MSA-1 is ${code}`] };
  const orc = seg.find((s) => s.name === 'ORC');
  const obr = seg.find((s) => s.name === 'OBR');
  if (orc?.field(1) !== 'AF' || orc.field(2) !== sampleId) problems.push(`ORC is not ORC|AF|${sampleId}`);
  if (obr?.field(2) !== orc?.field(2)) problems.push('OBR-2 differs from ORC-2');
  if (obr?.field(4) !== '01001^Automated Count^99MRC') problems.push(`OBR-4 is ${obr?.field(4)}`);
  const mode = seg.find((s) => s.name === 'OBX' && s.field(3).split('^')[1] === 'Test Mode');
  if (!mode) problems.push('no Test Mode OBX');
  return { kind: 'order', testMode: mode?.field(5) ?? '', problems };
}
