/**
 * One engine per origin: whoever holds this Web Lock drives the analyzers. The lock is released
 * only when its holder's tab or worker goes away (closed or crashed), and the next waiter gets it.
 */
export const LEADER_LOCK = 'lis-console-engine';

export function runAsLeader(onLeader: () => Promise<void>, onWaiting: () => void): void {
  void navigator.locks.request(LEADER_LOCK, { ifAvailable: true }, async (lock) => {
    if (lock) return holdWhile(onLeader);
    onWaiting();
    return navigator.locks.request(LEADER_LOCK, () => holdWhile(onLeader));
  });
}

async function holdWhile(onLeader: () => Promise<void>): Promise<never> {
  await onLeader();
  return new Promise<never>(() => {});
}
