/** How long an update may be put off by staff before it goes in at the next idle moment anyway. */
export const MAX_UPDATE_DEFERRAL_MS = 30 * 60_000;
const IDLE_POLL_MS = 250;

export interface UpdateGateIo {
  /** True while a device is inside a message, owes a reply, or results are being written. */
  busy(): boolean;
  /** Stop taking analyzer bytes (they wait in the bridge for the next page), then reload. */
  apply(): void;
  now(): number;
}

/**
 * Decides when a waiting build goes in: at the first moment no device is mid-message or owes a
 * reply and no result is being written. Staff may postpone it, at most MAX_UPDATE_DEFERRAL_MS from
 * when it arrived; a build below the cloud's minimum version is never postponed.
 */
export class UpdateGate {
  private waitingSince: number | null = null;
  private postponedUntil = 0;
  private required = false;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly io: UpdateGateIo) {}

  get waiting(): boolean {
    return this.waitingSince !== null;
  }

  updateWaiting(): void {
    this.waitingSince ??= this.io.now();
    this.timer ??= setInterval(() => this.poll(), IDLE_POLL_MS);
    this.poll();
  }

  postpone(ms: number): void {
    if (this.waitingSince === null || this.required) return;
    this.postponedUntil = Math.min(this.io.now() + ms, this.waitingSince + MAX_UPDATE_DEFERRAL_MS);
  }

  applyNow(): void {
    this.postponedUntil = 0;
    this.poll();
  }

  /** The cloud's minimum version is above ours: apply as soon as idle, whatever was postponed. */
  require(): void {
    this.required = true;
    this.postponedUntil = 0;
  }

  /** Checked on a short timer: decisions happen between two analyzer bytes, never inside a message. */
  poll(): boolean {
    if (this.waitingSince === null || this.io.now() < this.postponedUntil || this.io.busy()) return false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.waitingSince = null;
    this.io.apply();
    return true;
  }
}
