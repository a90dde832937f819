/** What the UI (any tab) asks of the engine (only the leader's answers), over a BroadcastChannel. */
export const COMMAND_CHANNEL = 'lis-engine-commands';

export type EngineCommand =
  | { type: 'login'; email: string; password: string }
  | { type: 'logout' }
  | { type: 'pair-bridge'; token: string; url?: string }
  | { type: 'sync-now' }
  | { type: 'report-now' }
  /** A page's service worker has a new build waiting. */
  | { type: 'update-waiting' }
  | { type: 'update-now' }
  | { type: 'update-later'; ms: number }
  | { type: 'retry-now'; key?: string; who?: string }
  | { type: 'discard'; key: string; reason: string; who: string }
  | { type: 'serial-granted' }
  | { type: 'persisted'; persisted: boolean }
  /** Runs a simulated analyzer against the device's sandbox copy: test data, never a patient's. */
  | { type: 'simulate'; machineId: number; kind: 'result' | 'query'; barcode?: string; value?: string; who: string }
  | { type: 'replay'; machineId: number; base64: string; who: string };

export function sendCommand(command: EngineCommand): void {
  const channel = new BroadcastChannel(COMMAND_CHANNEL);
  channel.postMessage(command);
  channel.close();
}
