import { useEffect, useState, useSyncExternalStore } from 'react';
import { sendCommand } from '../engine/engine-commands.ts';

export type PermissionAnswer = 'granted' | 'prompt' | 'denied' | 'unsupported';

/**
 * Chrome's Local Network Access permission for reaching the bridge on 127.0.0.1. Pages served from
 * a private address never need it; the query then answers `granted` or is unsupported.
 */
export function useLocalNetworkPermission(): PermissionAnswer {
  const [state, setState] = useState<PermissionAnswer>('unsupported');
  useEffect(() => {
    let status: PermissionStatus | null = null;
    let gone = false;
    const names = ['loopback-network', 'local-network-access', 'local-network'];
    void (async () => {
      for (const name of names) {
        try {
          status = await navigator.permissions.query({ name } as unknown as PermissionDescriptor);
          break;
        } catch {
          // not a permission this browser knows
        }
      }
      if (!status || gone) return;
      const update = () => setState(status!.state as PermissionAnswer);
      status.onchange = update;
      update();
    })();
    return () => {
      gone = true;
      if (status) status.onchange = null;
    };
  }, []);
  return state;
}

/**
 * Chrome asks for Local Network Access only when a page on a public address reaches a private or
 * loopback one; a console served from this PC or the lab's network is exempt.
 */
export function pageIsPublic(hostname = location.hostname): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.local') || h === '::1') return false;
  const m = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(h);
  if (m) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    return !(a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254));
  }
  if (h.includes(':')) return !/^(fc|fd|fe80)/.test(h);
  return true;
}

/** Reaches the bridge's `/health` from the page: the request that makes Chrome ask for permission. */
export async function checkBridge(wsUrl: string | null): Promise<boolean> {
  const url = new URL(wsUrl ?? 'ws://127.0.0.1:17800');
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = '/health';
  try {
    const res = await fetch(url, { cache: 'no-store' });
    return res.ok;
  } catch {
    return false;
  }
}

export type Persistence = 'unknown' | 'persisted' | 'not-persisted' | 'refused';

let persistence: Persistence = 'unknown';
let checked = false;
const persistenceListeners = new Set<() => void>();

function setPersistence(p: Persistence): void {
  persistence = p;
  for (const l of persistenceListeners) l();
}

/** Asks once per page whether storage is persistent, and tells the engine. */
function checkPersistence(): void {
  if (checked) return;
  checked = true;
  void navigator.storage?.persisted?.().then((p) => {
    setPersistence(p ? 'persisted' : 'not-persisted');
    sendCommand({ type: 'persisted', persisted: p });
  });
}

/** Must run on a person's click: Chrome decides by its heuristics (installed, bookmarked, used). */
export async function requestPersistence(): Promise<void> {
  const granted = (await navigator.storage?.persist?.()) ?? false;
  setPersistence(granted ? 'persisted' : 'refused');
  sendCommand({ type: 'persisted', persisted: granted });
}

export function usePersistence(): Persistence {
  useEffect(checkPersistence, []);
  return useSyncExternalStore(
    (l) => {
      persistenceListeners.add(l);
      return () => persistenceListeners.delete(l);
    },
    () => persistence,
  );
}
