import { ACK, ENQ, EOT, NAK } from './control.ts';
import type { AstmEvent, FrameKind } from './events.ts';

const CONTROL_KIND: Record<number, FrameKind> = { [ENQ]: 'enq', [ACK]: 'ack', [NAK]: 'nak', [EOT]: 'eot' };

/**
 * One shared array per control character: one is written after every frame, and allocating
 * each would cost more than the rest of an ACK. Nobody writes into bytes we hand out.
 */
const CONTROL_BYTES: Record<number, Uint8Array> = {
  [ENQ]: Uint8Array.of(ENQ),
  [ACK]: Uint8Array.of(ACK),
  [NAK]: Uint8Array.of(NAK),
  [EOT]: Uint8Array.of(EOT),
};

/** Collects what one call into the session produces: bytes to write, in order, and events. */
export class Output {
  readonly write: Uint8Array[] = [];
  readonly events: AstmEvent[] = [];

  event(e: AstmEvent): void {
    this.events.push(e);
  }

  /** Writes ENQ, ACK, NAK or EOT, and shows it to the inspector. */
  control(byte: number): void {
    const bytes = CONTROL_BYTES[byte];
    this.write.push(bytes);
    this.events.push({ type: 'frame', direction: 'out', kind: CONTROL_KIND[byte], bytes });
  }

  frame(bytes: Uint8Array, kind: FrameKind, frameNumber: number | undefined): void {
    this.write.push(bytes);
    this.events.push({ type: 'frame', direction: 'out', kind, bytes: bytes.slice(), ...(frameNumber === undefined ? {} : { frameNumber }) });
  }
}

/** The shared one-byte array and inspector kind of an incoming ENQ, ACK, NAK or EOT. */
export function controlFrame(byte: number): { kind: FrameKind; bytes: Uint8Array } {
  return { kind: CONTROL_KIND[byte], bytes: CONTROL_BYTES[byte] };
}
