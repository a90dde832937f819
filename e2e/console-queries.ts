import type { Page } from 'playwright-core';
import { readStore } from './console-db.ts';

/** The console's record of one host query (web/engine/db.ts QueryRecord), as the specs read it. */
export interface QueryRow {
  barcodes: string[];
  reply: 'order' | 'no-order' | 'error' | 'cancelled' | 'pending';
  source: 'cloud' | 'cache' | 'none';
  latencyMs?: number;
  detail?: string;
}

/**
 * Waits until the console's latest record of a query for this tube satisfies `check`. The engine
 * writes these rows in IndexedDB and raises no event a spec could await, so the store is read
 * again every 50 ms.
 */
export async function queryRow(page: Page, barcode: string, check: (r: QueryRow) => boolean, timeoutMs = 10_000): Promise<QueryRow> {
  let last: QueryRow | undefined;
  for (const started = Date.now(); Date.now() - started < timeoutMs; ) {
    last = (await readStore<QueryRow>(page, 'queries', 'lis-state')).filter((r) => r.barcodes.includes(barcode)).at(-1);
    if (last && check(last)) return last;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error(`the console never recorded the query for ${barcode} as expected; last: ${JSON.stringify(last)}`);
}
