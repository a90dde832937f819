import { ByteLink } from './byte-link.ts';
import { ACK, CR, ENQ, EOT, ETB, ETX, LF, NAK, STX, controlName, frameMessage, type Framing } from './astm-wire.ts';

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

export interface ReceivedMessage {
  /** Every byte the host sent, ENQ through EOT, as on the wire. */
  raw: Uint8Array;
  /** The records, as the frames' text split at CR. */
  records: string[];
  /** Frames refused (bad checksum or frame number), each answered NAK. */
  naks: number;
  /** Bytes that were neither a frame nor a control character the link expects. */
  junk: number;
}

/**
 * Receives one message from the host as an analyzer's link layer does: the ENQ (already read, or
 * awaited here) is answered ACK, each frame is checked (strict: frame number, checksum, CR LF) and
 * answered ACK or NAK, until EOT. Null when the host sends nothing within `timeoutMs`.
 */
export async function receiveAstmMessage(
  link: ByteLink,
  opts: { framing: Framing; firstByte?: number; timeoutMs?: number; log?: (line: string) => void },
): Promise<ReceivedMessage | null> {
  const timeout = opts.timeoutMs ?? 15_000;
  const log = opts.log ?? (() => {});
  const raw: number[] = [];
  const read = async (): Promise<number | null> => {
    const b = await link.next(timeout);
    if (b !== null) raw.push(b);
    return b;
  };
  let first = opts.firstByte ?? null;
  if (first !== null) raw.push(first);
  else first = await read();
  if (first === null) return null;
  if (first !== ENQ) return { raw: Uint8Array.from(raw), records: [], naks: 0, junk: 1 };
  link.write(new Uint8Array([ACK]));
  let text = '';
  let naks = 0;
  let junk = 0;
  let expected = 1;
  for (;;) {
    const b = await read();
    if (b === null) break;
    if (b === EOT) break;
    if (b !== STX) {
      junk++;
      continue;
    }
    const body: number[] = [];
    let end: number | null = null;
    for (;;) {
      const c = await read();
      if (c === null) break;
      if (c === ETX || c === ETB) {
        end = c;
        break;
      }
      body.push(c);
    }
    if (end === null) break;
    if (opts.framing === 'simplified') {
      text += String.fromCharCode(...body);
      link.write(new Uint8Array([ACK]));
      continue;
    }
    const trailer: number[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await read();
      if (c === null) break;
      trailer.push(c);
    }
    const fn = body[0] - 0x30;
    const sum = [...body, end].reduce((a, x) => (a + x) & 0xff, 0).toString(16).toUpperCase().padStart(2, '0');
    const good = trailer.length === 4 && String.fromCharCode(trailer[0], trailer[1]) === sum && trailer[2] === CR && trailer[3] === LF && fn === expected;
    if (!good) {
      naks++;
      log(`frame refused: number ${fn} (expected ${expected}), checksum ${String.fromCharCode(...trailer.slice(0, 2))} (computed ${sum})`);
      link.write(new Uint8Array([NAK]));
      continue;
    }
    expected = (expected + 1) % 8;
    text += String.fromCharCode(...body.slice(1));
    link.write(new Uint8Array([ACK]));
  }
  const records = text.split('\r').map((r) => r.replace(/^\n+/, '')).filter((r) => r !== '');
  return { raw: Uint8Array.from(raw), records, naks, junk };
}
