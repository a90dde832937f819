import type { ReactNode } from 'react';
import type { Machine, ResultItem } from '../../shared/cloud-api.ts';
import type { OutboxEntry } from '../engine/db.ts';
import { Ltr, TestDataBadge } from './components.tsx';
import { formatTime, useLang, useT } from './i18n/i18n.ts';
import type { MachineLabel } from './live-data.ts';

/** Fields the engine may add to a result beyond the contract's (requested: `unmatched`). */
export type ResultRow = OutboxEntry & { item: ResultItem & { unmatched?: boolean } };

/** An analyzer clock off by more than this gets a warning (the engine uses the same figure). */
const CLOCK_SKEW_WARN_MS = 5 * 60_000;

export type Delivery = 'pending' | 'retrying' | 'sent' | 'dead' | 'discarded';

export function deliveryOf(r: OutboxEntry): Delivery {
  if (r.state === 'dead') return r.discarded ? 'discarded' : 'dead';
  if (r.state === 'pending') return r.attempts > 0 ? 'retrying' : 'pending';
  return 'sent';
}

function unitMismatch(machines: Machine[], item: ResultItem): string | null {
  const machine = machines.find((m) => m.id === item.machine_id || m.sandbox_id === item.machine_id);
  const mapped = machine?.tests?.find((t) => t.analyzer_code === item.test_code || t.test_code === item.test_code)?.units;
  if (!mapped || item.units.trim() === '' || mapped.trim().toLowerCase() === item.units.trim().toLowerCase()) return null;
  return mapped;
}

function Warnings({ row, machines }: { row: ResultRow; machines: Machine[] }) {
  const t = useT();
  const item = row.item;
  const out: ReactNode[] = [];
  const mapped = unitMismatch(machines, item);
  if (mapped) {
    out.push(
      <li key="unit">
        {t.results.warnUnit}{' '}
        <Ltr>
          {item.units} ≠ {mapped}
        </Ltr>
      </li>,
    );
  }
  const skew = item.clock_skew_ms;
  if (skew !== undefined && Math.abs(skew) > CLOCK_SKEW_WARN_MS) {
    const min = Math.round(Math.abs(skew) / 60_000);
    out.push(<li key="clock">{skew > 0 ? t.results.warnClockAhead(min) : t.results.warnClockBehind(min)}</li>);
  }
  // Warnings the console has no words of its own for are shown as the engine wrote them.
  for (const [i, w] of (item.warnings ?? []).entries()) {
    if (/^unit |^analyzer clock/.test(w)) continue;
    out.push(
      <li key={i} lang="en" dir="ltr">
        {w}
      </li>,
    );
  }
  if (out.length === 0) return null;
  return <ul className="warnings">{out}</ul>;
}

export function ResultsTable({
  rows,
  machines,
  labels,
  compact = false,
  caption,
}: {
  rows: ResultRow[];
  machines: Machine[];
  labels: Map<number, MachineLabel>;
  compact?: boolean;
  caption?: string;
}) {
  const t = useT();
  const lang = useLang();
  const c = t.results.cols;
  return (
    <div className="table-scroll">
      <table data-testid="results" className="results">
        {caption ? <caption className="visually-hidden">{caption}</caption> : null}
        <thead>
          <tr>
            <th scope="col">{c.received}</th>
            <th scope="col">{c.analyzer}</th>
            <th scope="col">{c.sample}</th>
            <th scope="col">{c.test}</th>
            <th scope="col">{c.value}</th>
            <th scope="col">{c.units}</th>
            {compact ? null : <th scope="col">{c.range}</th>}
            <th scope="col">{c.flags}</th>
            {compact ? null : <th scope="col">{c.status}</th>}
            <th scope="col">{c.type}</th>
            <th scope="col">{c.delivery}</th>
            {compact ? null : <th scope="col">{c.matched}</th>}
            {compact ? null : <th scope="col">{c.warnings}</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const item = r.item;
            const delivery = deliveryOf(r);
            const label = labels.get(r.machineId);
            return (
              <tr key={r.key} data-state={r.state} data-delivery={delivery} data-test-data={item.test_data ? 'true' : undefined}>
                <td>
                  <Ltr>{formatTime(lang, r.createdAt)}</Ltr>
                </td>
                <td>
                  <bdi>{label ? (label.sandbox ? t.sandboxOf(label.name) : label.name) : t.machineN(r.machineId)}</bdi>
                </td>
                <td className="sample">
                  <Ltr>{item.barcode}</Ltr>
                </td>
                <td>
                  <Ltr>{item.test_code}</Ltr>
                </td>
                <td className="value">
                  <Ltr>{item.value}</Ltr>
                </td>
                <td>
                  <Ltr>{item.units}</Ltr>
                </td>
                {compact ? null : (
                  <td>
                    <Ltr>{item.reference_range}</Ltr>
                  </td>
                )}
                <td>
                  <Ltr>{item.flags.join(' ')}</Ltr>
                </td>
                {compact ? null : (
                  <td>
                    <Ltr>{item.status}</Ltr>
                  </td>
                )}
                <td>{item.test_data ? <TestDataBadge /> : item.kind === 'sample-quality-index' ? t.results.sampleQuality : item.qc ? t.results.type.qc : t.results.type.patient}</td>
                <td className={`delivery delivery-${delivery}`} title={r.lastError}>
                  {t.results.delivery[delivery]}
                </td>
                {compact ? null : <td className={item.unmatched ? 'unmatched' : undefined}>{item.unmatched ? t.results.unmatched : t.results.matched}</td>}
                {compact ? null : (
                  <td>
                    <Warnings row={r} machines={machines} />
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
