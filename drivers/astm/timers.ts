/**
 * Every timer of the ASTM link in one place. Clause numbers are LIS01-A2 section 6 (serial),
 * which section 8 repeats for TCP/IP. A device profile may override any of them; tests use a
 * fake clock or a short-timer profile, never real 15 s waits.
 */
export interface AstmTimers {
  /** 6.5.2.1: a sender that gets no reply to its ENQ within this time gives up (EOT). */
  enqReplyMs: number;
  /** 6.5.2.3: a sender that gets no reply to a frame within this time aborts (EOT). */
  frameReplyMs: number;
  /** 6.5.2.5: a receiver must answer a frame within this time, however long storing takes. */
  receiverReplyLimitMs: number;
  /**
   * Ours: how long before that limit we give up on storage and NAK, so that the NAK is on the
   * wire (through the bridge and a serial adapter) before the analyzer's own 15 s run out.
   */
  receiverReplyMarginMs: number;
  /** 6.5.2.4: a receiver that gets nothing for this long ends the session and drops the unstored group. */
  receiveIdleMs: number;
  /** 6.2.6: after a NAK to its ENQ the sender waits at least this long before the next ENQ. */
  enqRefusedWaitMs: number;
  /** 6.2.7.1, 6.5.2.2: after contention the host waits this long for the analyzer's ENQ; then the line is neutral. */
  contentionWaitMs: number;
  /** 6.3.5: after a receiver interrupt the sender stays quiet this long, or until the analyzer has sent its message. */
  interruptHoldMs: number;
  /**
   * Not fixed by LIS01-A2: the pause before a message whose attempt was aborted (NAK limit, no
   * reply) is repeated in full. It reuses 6.2.6's 10 s busy wait, so a failing receiver is not flooded.
   */
  retryAfterAbortMs: number;
}

export const LIS01_TIMERS: Readonly<AstmTimers> = Object.freeze({
  enqReplyMs: 15_000,
  frameReplyMs: 15_000,
  receiverReplyLimitMs: 15_000,
  receiverReplyMarginMs: 1_000,
  receiveIdleMs: 30_000,
  enqRefusedWaitMs: 10_000,
  contentionWaitMs: 20_000,
  interruptHoldMs: 15_000,
  retryAfterAbortMs: 10_000,
});

export function resolveTimers(overrides?: Partial<AstmTimers>): AstmTimers {
  return { ...LIS01_TIMERS, ...overrides };
}
