import type { ConnId } from '../shared/bridge-wire.ts';

export interface BufferedChunk {
  conn: ConnId;
  at: number;
  bytes: Uint8Array;
}

/**
 * Analyzer bytes that arrive while no page is attached, kept with their arrival time so the page
 * can tell fresh bytes (answer them) from stale ones (the analyzer has given up on them).
 * Bounded per device: past the cap the oldest chunks go, since they are the stalest.
 */
export class DetachBuffer {
  private readonly chunks: BufferedChunk[] = [];
  private bytes = 0;

  constructor(private readonly capBytes: number) {}

  push(chunk: BufferedChunk): void {
    this.chunks.push(chunk);
    this.bytes += chunk.bytes.length;
    while (this.bytes > this.capBytes && this.chunks.length > 0) this.bytes -= this.chunks.shift()!.bytes.length;
  }

  /** Bytes a pausing page handed back: they arrived before anything held here, so they go first. */
  returned(chunks: BufferedChunk[]): void {
    this.chunks.unshift(...chunks);
    for (const c of chunks) this.bytes += c.bytes.length;
  }

  drain(): BufferedChunk[] {
    const out = this.chunks.splice(0);
    this.bytes = 0;
    return out;
  }
}
