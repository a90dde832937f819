import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { stateDb, type OutboxEntry } from '../../engine/db.ts';
import { sendCommand } from '../../engine/engine-commands.ts';
import { Empty, Ltr, ScreenTitle, TestDataBadge } from '../components.tsx';
import { formatTime, useLang, useT } from '../i18n/i18n.ts';
import { machineLabels, useDevices, useMachines, type MachineLabel } from '../live-data.ts';
import { setOperator, useOperator } from '../operator.ts';
import { useLiveQuery } from '../use-live-query.ts';

/** Rows listed per section; the count above says how many there are in all. */
const SHOWN = 200;

type Section = 'waiting' | 'retrying' | 'dead';

function DiscardDialog({ entry, onClose }: { entry: OutboxEntry | null; onClose: () => void }) {
  const t = useT();
  const d = t.outbox.dialog;
  const id = useId();
  const ref = useRef<HTMLDialogElement>(null);
  const operator = useOperator();
  const [reason, setReason] = useState('');
  const [who, setWho] = useState(operator);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (entry && !dialog.open) {
      setReason('');
      setWho(operator);
      setError(null);
      dialog.showModal();
    } else if (!entry && dialog.open) dialog.close();
  }, [entry, operator]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!entry) return;
    if (reason.trim() === '') return setError(d.reasonRequired);
    if (who.trim() === '') return setError(d.whoRequired);
    setOperator(who.trim());
    sendCommand({ type: 'discard', key: entry.key, reason: reason.trim(), who: who.trim() });
    onClose();
  };

  return (
    <dialog ref={ref} aria-labelledby={`${id}-title`} aria-describedby={`${id}-body`} onClose={onClose} className="confirm">
      <form onSubmit={submit} noValidate>
        <h3 id={`${id}-title`}>{d.title}</h3>
        {entry ? (
          <p className="what">
            <Ltr>
              {entry.item.barcode} · {entry.item.test_code} = {entry.item.value} {entry.item.units}
            </Ltr>
          </p>
        ) : null}
        <p id={`${id}-body`}>{d.body}</p>
        <label htmlFor={`${id}-reason`}>{d.reason}</label>
        <textarea id={`${id}-reason`} name="reason" value={reason} onChange={(e) => setReason(e.target.value)} required aria-required="true" rows={3} />
        <label htmlFor={`${id}-who`}>{d.who}</label>
        <input id={`${id}-who`} name="who" value={who} onChange={(e) => setWho(e.target.value)} required aria-required="true" autoComplete="name" />
        {error ? (
          <p role="alert" className="error">
            {error}
          </p>
        ) : null}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            {t.cancel}
          </button>
          <button type="submit" className="danger">
            {d.confirm}
          </button>
        </div>
      </form>
    </dialog>
  );
}

function OutboxTable({ section, rows, labels, onDiscard }: { section: Section; rows: OutboxEntry[]; labels: Map<number, MachineLabel>; onDiscard: (e: OutboxEntry) => void }) {
  const t = useT();
  const lang = useLang();
  const c = t.outbox.cols;
  const empty = section === 'waiting' ? t.outbox.emptyWaiting : section === 'retrying' ? t.outbox.emptyRetrying : t.outbox.emptyDead;
  if (rows.length === 0) return <Empty>{empty}</Empty>;
  return (
    <div className="table-scroll">
      <table data-testid={`outbox-${section}`}>
        <thead>
          <tr>
            <th scope="col">{c.since}</th>
            <th scope="col">{c.analyzer}</th>
            <th scope="col">{c.sample}</th>
            <th scope="col">{c.test}</th>
            <th scope="col">{c.value}</th>
            <th scope="col" className="num">{c.attempts}</th>
            {section === 'retrying' ? <th scope="col">{c.next}</th> : null}
            {section !== 'waiting' ? <th scope="col">{c.reason}</th> : null}
            {section !== 'waiting' ? <th scope="col">{c.actions}</th> : null}
          </tr>
        </thead>
        <tbody>
          {rows.slice(0, SHOWN).map((r) => {
            const label = labels.get(r.machineId);
            const what = `${r.item.barcode} ${r.item.test_code}`;
            return (
              <tr key={r.key} data-state={r.state} data-key={r.key} data-discarded={r.discarded ? 'true' : undefined}>
                <td>
                  <Ltr>{formatTime(lang, r.createdAt)}</Ltr>
                </td>
                <td>
                  <bdi>{label ? (label.sandbox ? t.sandboxOf(label.name) : label.name) : t.machineN(r.machineId)}</bdi>
                  {r.item.test_data ? <> <TestDataBadge /></> : null}
                </td>
                <td className="sample">
                  <Ltr>{r.item.barcode}</Ltr>
                </td>
                <td>
                  <Ltr>{r.item.test_code}</Ltr>
                </td>
                <td className="value">
                  <Ltr>
                    {r.item.value} {r.item.units}
                  </Ltr>
                </td>
                <td className="num">{r.attempts}</td>
                {section === 'retrying' ? (
                  <td>
                    <Ltr>{r.nextAttemptAt <= Date.now() ? t.outbox.now : formatTime(lang, r.nextAttemptAt)}</Ltr>
                  </td>
                ) : null}
                {section !== 'waiting' ? (
                  <td className="reason">
                    {r.discarded ? (
                      <>
                        {t.outbox.discardedBy(r.discarded.who, formatTime(lang, r.discarded.at))} <bdi>{r.discarded.reason}</bdi>
                      </>
                    ) : r.lastError ? (
                      <span lang="en" dir="ltr">
                        {r.lastError}
                      </span>
                    ) : null}
                  </td>
                ) : null}
                {section !== 'waiting' ? (
                  <td className="row-actions">
                    {r.discarded ? null : (
                      <>
                        <button type="button" onClick={() => sendCommand({ type: 'retry-now', key: r.key })} aria-label={`${t.outbox.retry}: ${what}`}>
                          {t.outbox.retry}
                        </button>
                        <button type="button" className="danger" onClick={() => onDiscard(r)} aria-label={`${t.outbox.discard} ${what}`}>
                          {t.outbox.discard}
                        </button>
                      </>
                    )}
                  </td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
      </table>
      {rows.length > SHOWN ? <p>{t.outbox.more(rows.length - SHOWN)}</p> : null}
    </div>
  );
}

export default function OutboxScreen() {
  const t = useT();
  const pending = useLiveQuery(() => stateDb.results.where('state').equals('pending').sortBy('createdAt'), [], undefined as OutboxEntry[] | undefined);
  const dead = useLiveQuery(() => stateDb.results.where('state').equals('dead').reverse().sortBy('createdAt'), [], undefined as OutboxEntry[] | undefined);
  const labels = machineLabels(useMachines(), useDevices());
  const [discarding, setDiscarding] = useState<OutboxEntry | null>(null);
  if (pending === undefined || dead === undefined) return <p className="loading">{t.loading}</p>;
  const waiting = pending.filter((r) => r.attempts === 0);
  const retrying = pending.filter((r) => r.attempts > 0);
  const deadLetters = dead.filter((r) => !r.discarded).length;
  return (
    <section aria-labelledby="screen-title">
      <ScreenTitle>{t.outbox.title}</ScreenTitle>
      <div className="toolbar">
        <p role="status" data-testid="outbox-summary">
          {t.outbox.summary(waiting.length, retrying.length, deadLetters)}
        </p>
        <button type="button" onClick={() => sendCommand({ type: 'retry-now' })} disabled={pending.length === 0 && deadLetters === 0}>
          {t.outbox.retryAll}
        </button>
      </div>
      <h3>{t.outbox.waitingH}</h3>
      <OutboxTable section="waiting" rows={waiting} labels={labels} onDiscard={setDiscarding} />
      <h3>{t.outbox.retryingH}</h3>
      <OutboxTable section="retrying" rows={retrying} labels={labels} onDiscard={setDiscarding} />
      <h3>{t.outbox.deadH}</h3>
      <OutboxTable section="dead" rows={dead} labels={labels} onDiscard={setDiscarding} />
      <DiscardDialog entry={discarding} onClose={() => setDiscarding(null)} />
    </section>
  );
}
