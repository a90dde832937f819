import { receiveAstmMessage, sendAstmMessage, type SendOutcome } from './astm-analyzer.ts';
import { ENQ } from './astm-wire.ts';
import { ByteLink } from './byte-link.ts';
import { vitrosCancel, vitrosQuery, vitrosRejection } from './messages.ts';
import { readVitrosReply, type VitrosReply } from './vitros-reply-check.ts';

/**
 * A VITROS 4600 as the LIS sees it: strict E1381 frames, one record per frame, on one TCP
 * connection it keeps open. It asks for a tube's program with a host query and waits its reply
 * window (2.4 s by the field audit) for the host's ENQ; past it, it withdraws the query
 * (`Q|…|A`, `L|1|T`) and the tube runs nothing. A reply it cannot parse is refused with
 * `M|1|E|PY1|033|N|Unable to find program…`, sent back as a message of its own.
 */

export type VitrosQueryOutcome =
  | { kind: 'order' | 'no-order' | 'error'; reply: VitrosReply; raw: Uint8Array; latencyMs: number }
  | { kind: 'rejected'; problems: string[]; reply: VitrosReply; raw: Uint8Array; latencyMs: number }
  | { kind: 'cancelled' };

export interface VitrosOptions {
  host?: string;
  port: number;
  /** How long it waits for the host's reply before withdrawing the query. */
  replyWindowMs?: number;
  /** The analyzer's id in H-5 (the captures' VITROS 3600 was `3600796`). */
  analyzerId?: string;
  log?: (line: string) => void;
}

export const VITROS_REPLY_WINDOW_MS = 2_400;

export class VitrosAnalyzer {
  private constructor(
    readonly link: ByteLink,
    private readonly opts: VitrosOptions,
  ) {}

  static async connect(opts: VitrosOptions): Promise<VitrosAnalyzer> {
    return new VitrosAnalyzer(await ByteLink.open(opts.host ?? '127.0.0.1', opts.port), opts);
  }

  private get id(): string {
    return this.opts.analyzerId ?? '3600796';
  }

  /** Sends a message (results, a query, a cancel) in strict frames. */
  send(records: string[]): Promise<SendOutcome> {
    return sendAstmMessage({ port: this.opts.port, link: this.link, framing: 'strict', records, ...(this.opts.log ? { log: this.opts.log } : {}) });
  }

  /**
   * Asks for a tube's program and waits for the reply as the analyzer does. The latency is from
   * the query's last byte (EOT) to the reply's first byte (the host's ENQ).
   */
  async query(sampleId: string, opts: { replyWindowMs?: number } = {}): Promise<VitrosQueryOutcome> {
    const sent = await this.send(vitrosQuery(sampleId, this.id));
    if (!sent.accepted) throw new Error(`the host did not take the query for ${sampleId}: ${sent.replies.join(', ')}`);
    const window = opts.replyWindowMs ?? this.opts.replyWindowMs ?? VITROS_REPLY_WINDOW_MS;
    const start = performance.now();
    const first = await this.link.next(window);
    if (first === null) {
      this.opts.log?.(`no reply for ${sampleId} within ${window} ms: query withdrawn`);
      const cancel = await this.send(vitrosCancel(sampleId, this.id));
      if (!cancel.accepted) throw new Error(`the host did not take the withdrawal of ${sampleId}`);
      return { kind: 'cancelled' };
    }
    const latencyMs = performance.now() - start;
    if (first !== ENQ) throw new Error(`expected the host's ENQ, got 0x${first.toString(16)}`);
    const message = await receiveAstmMessage(this.link, { framing: 'strict', firstByte: first, ...(this.opts.log ? { log: this.opts.log } : {}) });
    if (!message) throw new Error('the host stopped in the middle of its reply');
    const { problems, reply } = readVitrosReply(message.raw);
    if (problems.length > 0) {
      this.opts.log?.(`reply refused: ${problems.join('; ')}`);
      await this.send(vitrosRejection(sampleId, this.id));
      return { kind: 'rejected', problems, reply, raw: message.raw, latencyMs };
    }
    const kind = reply.terminator === 'I' ? 'no-order' : reply.terminator === 'Q' ? 'error' : 'order';
    return { kind, reply, raw: message.raw, latencyMs };
  }

  close(): void {
    this.link.close();
  }
}
