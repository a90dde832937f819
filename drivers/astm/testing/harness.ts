/**
 * Test-only: plays the engine around an AstmSession (confirms stores, keeps what was written
 * and every event) and the analyzer's side of the wire, with a fake clock.
 */
import { concat } from '../../testing/bytes.ts';
import { ACK, ENQ, EOT, NAK } from '../control.ts';
import { strictFrames, simplifiedFrame } from '../frame-writer.ts';
import type { AstmEvent, MessageEndEvent, StoreEvent } from '../events.ts';
import type { AstmOutput, AstmSession } from '../session.ts';

/** The drivers' shared byte concatenation, here too for the many tests that import the harness. */
export { concat };

/** How the test's engine answers a store event: true/false at once, or 'later' (the test calls stored). */
export type Confirm = (e: StoreEvent) => boolean | 'later';

export class Engine {
  readonly events: AstmEvent[] = [];
  readonly written: Uint8Array[] = [];
  now = 0;
  lastDeadline: number | null = null;

  constructor(
    readonly session: AstmSession,
    private readonly confirm: Confirm = () => true,
  ) {}

  take(out: AstmOutput): AstmOutput {
    this.written.push(...out.write);
    this.lastDeadline = out.nextDeadline;
    for (const e of out.events) {
      this.events.push(e);
      if (e.type === 'store') {
        const answer = this.confirm(e);
        if (answer !== 'later') this.take(this.session.stored(e.storeId, answer, this.now));
      }
    }
    return out;
  }

  receive(bytes: Uint8Array | number[], at = this.now): AstmOutput {
    this.now = at;
    return this.take(this.session.receive(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes), at));
  }

  tick(at: number): AstmOutput {
    this.now = at;
    return this.take(this.session.tick(at));
  }

  stored(storeId: number, ok: boolean, at = this.now): AstmOutput {
    this.now = at;
    return this.take(this.session.stored(storeId, ok, at));
  }

  send(records: Parameters<AstmSession['send']>[0], at = this.now): number {
    this.now = at;
    const out = this.session.send(records, at);
    this.take(out);
    return out.messageId;
  }

  of<T extends AstmEvent['type']>(type: T): Extract<AstmEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<AstmEvent, { type: T }> => e.type === type);
  }

  stores(): StoreEvent[] {
    return this.of('store');
  }

  messages(): MessageEndEvent[] {
    return this.of('message-end');
  }

  /** The control characters we wrote, as letters: A(CK) N(AK) E(OT) Q (ENQ); F for a frame. */
  replies(): string {
    return this.written.map((w) => (w.length === 1 ? CONTROL_LETTER[w[0]] ?? '?' : 'F')).join('');
  }

  clearWritten(): void {
    this.written.length = 0;
  }
}

const CONTROL_LETTER: Record<number, string> = { [ACK]: 'A', [NAK]: 'N', [EOT]: 'E', [ENQ]: 'Q' };

export function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** An analyzer's whole session for these records: ENQ, strict frames (one record per frame), EOT. */
export function strictSession(records: readonly string[], maxText = 240): Uint8Array {
  return concat([Uint8Array.of(ENQ), ...strictFrames(records.map(latin1), maxText, false), Uint8Array.of(EOT)]);
}

export function strictFramesOf(records: readonly string[], maxText = 240): Uint8Array[] {
  return strictFrames(records.map(latin1), maxText, false);
}

export function simplifiedSession(records: readonly string[]): Uint8Array {
  return concat([Uint8Array.of(ENQ), simplifiedFrame(records.map(latin1)), Uint8Array.of(EOT)]);
}
