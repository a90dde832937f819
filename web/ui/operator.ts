import { useSyncExternalStore } from 'react';

/**
 * The name a person gives for the audit trail (discards, simulator use). The console runs on a
 * station credential, not a person's login, so it asks; the last name given is offered again.
 */
const KEY = 'lis-console-operator';
const listeners = new Set<() => void>();

function read(): string {
  try {
    return localStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}

let current = read();

export function setOperator(name: string): void {
  current = name;
  try {
    localStorage.setItem(KEY, name);
  } catch {
    // kept for this page only
  }
  for (const l of listeners) l();
}

export function useOperator(): string {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => current,
  );
}
