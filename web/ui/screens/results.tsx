import { useId, useState } from 'react';
import { stateDb } from '../../engine/db.ts';
import { Empty, ScreenTitle } from '../components.tsx';
import { useT } from '../i18n/i18n.ts';
import { machineLabels, useDevices, useMachines } from '../live-data.ts';
import { ResultsTable, type ResultRow } from '../results-table.tsx';
import { useLiveQuery } from '../use-live-query.ts';

const SHOWN = 500;

export default function ResultsScreen() {
  const t = useT();
  const id = useId();
  const [search, setSearch] = useState('');
  const q = search.trim().toLowerCase();
  const rows = useLiveQuery(
    () => {
      const all = stateDb.results.orderBy('createdAt').reverse();
      const matching = q === '' ? all : all.filter((r) => r.item.barcode.toLowerCase().includes(q) || r.item.test_code.toLowerCase().includes(q));
      return matching.limit(SHOWN).toArray() as Promise<ResultRow[]>;
    },
    [q],
    undefined as ResultRow[] | undefined,
  );
  const machines = useMachines();
  const devices = useDevices();
  const labels = machineLabels(machines, devices);
  return (
    <section aria-labelledby="screen-title">
      <ScreenTitle>{t.results.title}</ScreenTitle>
      <div className="toolbar">
        <label htmlFor={id}>{t.results.filter}</label>
        <input id={id} type="search" value={search} onChange={(e) => setSearch(e.target.value)} dir="ltr" spellCheck={false} />
        {rows && rows.length >= SHOWN ? <span>{t.results.showing(SHOWN)}</span> : null}
      </div>
      {rows === undefined ? <p className="loading">{t.loading}</p> : rows.length === 0 ? <Empty>{t.results.empty}</Empty> : <ResultsTable rows={rows} machines={machines} labels={labels} caption={t.results.title} />}
    </section>
  );
}
