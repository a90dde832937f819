/**
 * Who has the line. ASTM is half duplex: between sessions the line is neutral; the analyzer's
 * ENQ that we ACK makes us the receiver, our ENQ makes us the sender, and an ENQ answering our
 * ENQ is contention, which the analyzer wins (LIS01-A2 6.2.7.1). Every legal move is in this
 * table; anything else is a bug in the session, not something a peer can cause.
 */

export type LineState = 'neutral' | 'receiving' | 'sending' | 'contention';

export type LineMove =
  /** We ACKed the analyzer's ENQ. */
  | 'enq-accepted'
  /** We sent ENQ. */
  | 'send-started'
  /** The analyzer answered our ENQ with its own. */
  | 'contention'
  /** The inbound session ended (EOT or receive timeout). */
  | 'inbound-ended'
  /** Our session ended (EOT sent, or our ENQ refused). */
  | 'outbound-ended'
  /** After contention: the analyzer's ENQ did not come within the wait, or we could not accept it. */
  | 'contention-ended';

const MOVES: Readonly<Record<LineState, Partial<Record<LineMove, LineState>>>> = {
  neutral: { 'enq-accepted': 'receiving', 'send-started': 'sending' },
  receiving: { 'inbound-ended': 'neutral' },
  sending: { 'outbound-ended': 'neutral', contention: 'contention' },
  contention: { 'enq-accepted': 'receiving', 'contention-ended': 'neutral' },
};

export function moveLine(state: LineState, move: LineMove): LineState {
  const next = MOVES[state][move];
  if (next === undefined) throw new Error(`ASTM session bug: line move '${move}' is not legal while ${state}`);
  return next;
}
