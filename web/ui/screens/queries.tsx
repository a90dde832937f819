import { stateDb, type QueryRecord } from '../../engine/db.ts';
import { Empty, Ltr, ScreenTitle, TestDataBadge } from '../components.tsx';
import { formatTime, useLang, useT } from '../i18n/i18n.ts';
import { machineLabels, useDevices, useMachines } from '../live-data.ts';
import { useLiveQuery } from '../use-live-query.ts';

const SHOWN = 300;

export default function QueriesScreen() {
  const t = useT();
  const lang = useLang();
  const rows = useLiveQuery(() => stateDb.queries.orderBy('at').reverse().limit(SHOWN).toArray(), [], undefined as QueryRecord[] | undefined);
  const labels = machineLabels(useMachines(), useDevices());
  const c = t.queries.cols;
  return (
    <section aria-labelledby="screen-title">
      <ScreenTitle>{t.queries.title}</ScreenTitle>
      {rows === undefined ? (
        <p className="loading">{t.loading}</p>
      ) : rows.length === 0 ? (
        <Empty>{t.queries.empty}</Empty>
      ) : (
        <div className="table-scroll">
          <table data-testid="queries">
            <thead>
              <tr>
                <th scope="col">{c.at}</th>
                <th scope="col">{c.analyzer}</th>
                <th scope="col">{c.barcode}</th>
                <th scope="col">{c.reply}</th>
                <th scope="col">{c.tests}</th>
                <th scope="col">{c.source}</th>
                <th scope="col" className="num">{c.latency}</th>
                <th scope="col">{c.detail}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((q) => (
                <tr key={q.id} data-reply={q.reply}>
                  <td>
                    <Ltr>{formatTime(lang, q.at)}</Ltr>
                  </td>
                  <td>
                    <bdi>{labels.get(q.machineId)?.name ?? t.machineN(q.machineId)}</bdi>
                    {q.simulated ? <> <TestDataBadge /></> : null}
                  </td>
                  <td className="sample">
                    <Ltr>{q.barcodes.join(', ')}</Ltr>
                  </td>
                  <td className={`reply reply-${q.reply}`}>{t.queries.reply[q.reply]}</td>
                  <td>
                    <Ltr>{q.tests.join(', ')}</Ltr>
                  </td>
                  <td>{t.queries.source[q.source]}</td>
                  <td className="num">{q.latencyMs !== undefined ? t.ms(q.latencyMs) : t.none}</td>
                  <td>
                    {q.detail ? (
                      <span lang="en" dir="ltr">
                        {q.detail}
                      </span>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
