import type { Page } from 'playwright-core';

export interface OutboxRow {
  key: string;
  state: 'pending' | 'sent' | 'dead';
  lastError?: string;
  item: { barcode: string; test_code: string };
}

/** Reads a store of the console's database with the bare IndexedDB API, not the app's own code. */
export function readStore<T>(page: Page, store: string, db = 'lis-console'): Promise<T[]> {
  return page.evaluate(
    async ([dbName, storeName]) => {
      // Opening a database that does not exist yet would create it and block the app's own open.
      if (!(await indexedDB.databases()).some((d) => d.name === dbName)) return [];
      return new Promise<T[]>((ok, fail) => {
        const open = indexedDB.open(dbName);
        open.onerror = () => fail(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains(storeName)) {
            db.close();
            return ok([]);
          }
          const all = db.transaction(storeName, 'readonly').objectStore(storeName).getAll();
          all.onsuccess = () => {
            db.close();
            ok(all.result as T[]);
          };
          all.onerror = () => {
            db.close();
            fail(all.error);
          };
        };
      });
    },
    [db, store] as const,
  );
}

export const readOutbox = (page: Page) => readStore<OutboxRow>(page, 'outbox');

/** Sends a command to the leader engine, as the UI does. */
export function engineCommand(page: Page, command: object): Promise<void> {
  return page.evaluate((cmd) => {
    const ch = new BroadcastChannel('lis-engine-commands');
    ch.postMessage(cmd);
    ch.close();
  }, command);
}
