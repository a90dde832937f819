import { liveQuery } from 'dexie';
import { useEffect, useState } from 'react';

/** Reads the database reactively: re-renders when the engine (in its worker) changes the data. */
export function useLiveQuery<T>(query: () => Promise<T>, deps: unknown[], initial: T): T {
  const [value, setValue] = useState<T>(initial);
  useEffect(() => {
    const sub = liveQuery(query).subscribe({ next: setValue, error: (err: unknown) => console.error('[ui] live query failed', err) });
    return () => sub.unsubscribe();
  }, deps);
  return value;
}
