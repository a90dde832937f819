import { ByteLink } from './byte-link.ts';
import { ACK, ENQ, EOT, controlName, frameMessage, type Framing } from './astm-wire.ts';

export interface SendOptions {
  host?: string;
  port: number;
  records: string[];
  framing: Framing;
  /** How long the analyzer waits for each reply (E1381: 15 s). */
  replyTimeoutMs?: number;
  log?: (line: string) => void;
  /** Reuse an open connection (analyzers that keep theirs open). */
  link?: ByteLink;
}

export interface SendOutcome {
  accepted: boolean;
  replies: string[];
}

const MAX_TRIES = 6;

/** Sends one message as an analyzer does: ENQ, frames each answered, EOT. */
export async function sendAstmMessage(opts: SendOptions): Promise<SendOutcome> {
  const log = opts.log ?? (() => {});
  const timeout = opts.replyTimeoutMs ?? 15_000;
  const link = opts.link ?? (await ByteLink.open(opts.host ?? '127.0.0.1', opts.port));
  const replies: string[] = [];
  const reply = async (what: string): Promise<number | null> => {
    const b = await link.next(timeout);
    const name = b === null ? 'no reply' : controlName(b);
    replies.push(name);
    log(`${what} -> ${name}`);
    return b;
  };
  let accepted = false;
  try {
    link.write(new Uint8Array([ENQ]));
    if ((await reply('ENQ')) !== ACK) return { accepted, replies };
    const frames = frameMessage(opts.records, opts.framing);
    for (const [i, frame] of frames.entries()) {
      let ok = false;
      for (let attempt = 1; attempt <= MAX_TRIES && !ok; attempt++) {
        link.write(frame);
        const b = await reply(`frame ${i + 1}/${frames.length}${attempt > 1 ? ` (try ${attempt})` : ''}`);
        if (b === null || b === EOT) break;
        ok = b === ACK;
      }
      if (!ok) return { accepted, replies };
    }
    accepted = true;
    return { accepted, replies };
  } finally {
    link.write(new Uint8Array([EOT]));
    if (!opts.link) link.close();
  }
}
