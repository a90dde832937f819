/** What the leader engine tells every tab, over a BroadcastChannel. */
export const ENGINE_EVENTS_CHANNEL = 'lis-engine-events';

export type EngineEvent =
  /** Every device is between messages with nothing owed: take the waiting build now. */
  | { type: 'apply-update' }
  /** The cloud requires a newer build than this one: look for it now. */
  | { type: 'check-update' };

export function broadcast(event: EngineEvent): void {
  const channel = new BroadcastChannel(ENGINE_EVENTS_CHANNEL);
  channel.postMessage(event);
  channel.close();
}
