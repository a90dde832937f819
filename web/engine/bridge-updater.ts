import type { BridgeRelease } from '../../shared/bridge-release.ts';
import { UPDATE_CHUNK_BYTES, type BridgeInfo, type BridgeMessage, type BridgeOs, type PageMessage } from '../../shared/bridge-wire.ts';
import { compareVersions } from '../../shared/version.ts';

type UpdateStateMessage = Extract<BridgeMessage, { t: 'update-state' }>;

/** The page sends at most this far ahead of what the bridge has written (its memory stays small). */
export const SEND_AHEAD_BYTES = 4 * 1024 * 1024;
/** A bridge that says nothing for this long during an update is taken to have given up. */
const STEP_TIMEOUT_MS = 120_000;

export interface BridgeUpdaterIo {
  latest(os: BridgeOs): Promise<BridgeRelease | null>;
  bytes(url: string): Promise<ReadableStream<Uint8Array>>;
  control(msg: Extract<PageMessage, { t: `update-${string}` }>): void;
  piece(bytes: Uint8Array): boolean;
  /** Resolves at a moment no analyzer is mid-message or owed a reply; `apply` is sent right then. */
  idle(): Promise<void>;
  /** For the audit trail: what happened and why, in words for staff. */
  report(detail: string): void;
}

/**
 * Brings the bridge on this PC to the cloud's release: the page fetches it (the browser honours
 * the PC's proxy and certificates; the bridge makes no outbound connection of its own), streams it
 * over the paired socket while analyzers are served as usual, and asks the bridge to swap it in
 * only at an idle moment. The bridge verifies everything; the page only carries bytes.
 */
export class BridgeUpdater {
  private running = false;
  /** Versions this page will not offer again (refused, or failed on the way). */
  private readonly given = new Set<string>();
  private waiter: ((msg: UpdateStateMessage | null) => void) | null = null;
  private last: UpdateStateMessage | null = null;

  constructor(private readonly io: BridgeUpdaterIo) {}

  /** After every welcome and on the periodic sync: update if the cloud has something newer. */
  async check(bridge: BridgeInfo): Promise<void> {
    if (this.running || !bridge.updateOs) return;
    this.running = true;
    try {
      const release = await this.io.latest(bridge.updateOs).catch(() => null);
      if (!release || release.os !== bridge.updateOs || compareVersions(release.version, bridge.version) <= 0 || this.given.has(release.version)) return;
      this.given.add(release.version);
      await this.deliver(release, bridge.version);
    } catch (err) {
      this.io.report(`bridge update stopped: ${(err as Error).message}`);
      this.io.control({ t: 'update-abort' });
    } finally {
      this.running = false;
      this.waiter = null;
    }
  }

  /** Every update-state message from the bridge lands here. */
  onState(msg: UpdateStateMessage): void {
    this.last = msg;
    this.waiter?.(msg);
  }

  /** The bridge connection dropped: whatever step was waiting ends. */
  onDisconnected(): void {
    this.waiter?.(null);
  }

  private async deliver(release: BridgeRelease, from: string): Promise<void> {
    this.io.report(`bridge ${from}: receiving version ${release.version} from the cloud`);
    this.last = null;
    this.io.control({ t: 'update-begin', version: release.version, size: release.size, sha256: release.sha256, signature: release.signature });
    const begun = await this.next((m) => m.state !== 'receiving' || m.received === 0);
    if (begun.state === 'refused') return this.io.report(`bridge update to ${release.version} refused by the bridge: ${begun.detail ?? 'no reason given'}`);

    const reader = (await this.io.bytes(release.url)).getReader();
    let sent = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (let at = 0; at < value.length; at += UPDATE_CHUNK_BYTES) {
        const piece = value.subarray(at, at + UPDATE_CHUNK_BYTES);
        while (sent - this.written() > SEND_AHEAD_BYTES) {
          const m = await this.next(() => true);
          if (m.state === 'refused') return this.io.report(`bridge update to ${release.version} refused by the bridge: ${m.detail ?? ''}`);
        }
        if (!this.io.piece(piece)) throw new Error('the bridge connection closed while the update was being sent');
        sent += piece.length;
      }
    }
    this.io.control({ t: 'update-end' });
    const staged = await this.next((m) => m.state !== 'receiving');
    if (staged.state !== 'staged') return this.io.report(`bridge update to ${release.version} refused by the bridge: ${staged.detail ?? 'no reason given'}`);

    await this.io.idle();
    this.io.control({ t: 'update-apply' });
    const applied = await this.next((m) => m.state !== 'receiving' && m.state !== 'staged');
    if (applied.state !== 'restarting') return this.io.report(`bridge update to ${release.version} could not be applied: ${applied.detail ?? 'no reason given'}`);
    this.io.report(`bridge ${from}: restarting as version ${release.version}`);
  }

  /** Bytes of the release the bridge reports on disk. */
  private written(): number {
    const m = this.last;
    return m?.state === 'receiving' ? (m.received ?? 0) : 0;
  }

  /** The next update-state the bridge sends that `accept` takes; fails on silence or a dropped link. */
  private next(accept: (m: UpdateStateMessage) => boolean): Promise<UpdateStateMessage> {
    return new Promise((ok, fail) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        fail(new Error(`the bridge did not answer within ${STEP_TIMEOUT_MS / 1000} s`));
      }, STEP_TIMEOUT_MS);
      this.waiter = (m) => {
        if (m && !accept(m)) return;
        clearTimeout(timer);
        this.waiter = null;
        if (m) ok(m);
        else fail(new Error('the bridge connection closed during the update'));
      };
    });
  }
}
