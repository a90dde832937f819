import type { DeviceStatus } from '../../engine/db.ts';
import { stateDb } from '../../engine/db.ts';
import { Empty, Ltr, ScreenTitle } from '../components.tsx';
import { formatTime, useLang, useT } from '../i18n/i18n.ts';
import { machineLabels, useDeliveryCounts, useDevices, useMachines, type DeliveryCounts } from '../live-data.ts';
import { ResultsTable, type ResultRow } from '../results-table.tsx';
import { href } from '../router.ts';
import { useLiveQuery } from '../use-live-query.ts';

const LATEST_RESULTS = 15;
const NO_COUNTS: DeliveryCounts = { queued: 0, sent: 0, failed: 0 };

function StateCell({ d }: { d: DeviceStatus }) {
  const t = useT();
  const help = d.state === 'port-in-use' || d.state === 'not-allowed' || d.state === 'disconnected' ? t.device.help[d.state] : null;
  return (
    <td className={`state state-${d.state}`}>
      <span className="state-label">{t.device.state[d.state]}</span>
      {d.state === 'connected' && d.peer ? (
        <>
          {' '}
          {t.device.connectedFrom} <Ltr>{d.peer}</Ltr>
        </>
      ) : null}
      {help ? <span className="state-help">{help}</span> : null}
      {d.state === 'serial-not-granted' ? (
        <a className="state-help" href={href({ screen: 'settings' })}>
          {t.device.help['serial-not-granted']}
        </a>
      ) : null}
      {d.detail && d.state !== 'connected' && d.state !== 'listening' ? (
        <span className="state-detail" lang="en" dir="ltr">
          {d.detail}
        </span>
      ) : null}
    </td>
  );
}

function connection(d: DeviceStatus): string {
  return `${d.transport.toUpperCase()}${d.port !== undefined ? ` ${d.port}` : ''}`;
}

export function DevicesScreen() {
  const t = useT();
  const lang = useLang();
  const devices = useDevices();
  const machines = useMachines();
  const counts = useDeliveryCounts();
  const latest = useLiveQuery(() => stateDb.results.orderBy('createdAt').reverse().limit(LATEST_RESULTS).toArray() as Promise<ResultRow[]>, [], [] as ResultRow[]);
  const labels = machineLabels(machines, devices);
  const c = t.device.cols;

  return (
    <section aria-labelledby="screen-title">
      <ScreenTitle>{t.device.title}</ScreenTitle>
      {devices === undefined ? (
        <p className="loading">{t.loading}</p>
      ) : devices.length === 0 ? (
        <Empty>{t.device.empty}</Empty>
      ) : (
        <div className="table-scroll">
          <table data-testid="devices" className="devices">
            <caption className="caption-note">{t.device.todayNote}</caption>
            <thead>
              <tr>
                <th scope="col">{c.name}</th>
                <th scope="col">{c.driver}</th>
                <th scope="col">{c.connection}</th>
                <th scope="col">{c.state}</th>
                <th scope="col">{c.last}</th>
                <th scope="col" className="num">{c.received}</th>
                <th scope="col" className="num">{c.queued}</th>
                <th scope="col" className="num">{c.sent}</th>
                <th scope="col" className="num">{c.failed}</th>
                <th scope="col" className="num">{c.queries}</th>
                <th scope="col" className="num">{c.naks}</th>
                <th scope="col" className="num">{c.errors}</th>
                <th scope="col">{c.actions}</th>
              </tr>
            </thead>
            <tbody>
              {devices.map((d) => {
                const n = counts.get(d.machineId) ?? NO_COUNTS;
                return (
                  <tr key={d.machineId} data-machine={d.machineId}>
                    <th scope="row">
                      <bdi>{d.name}</bdi>
                    </th>
                    <td>
                      <Ltr>{d.driver}</Ltr>
                    </td>
                    <td>
                      <Ltr>{connection(d)}</Ltr>
                    </td>
                    <StateCell d={d} />
                    <td>
                      <Ltr>{d.lastMessageAt ? formatTime(lang, d.lastMessageAt) : t.none}</Ltr>
                    </td>
                    <td className="num" data-count="received">{d.received}</td>
                    <td className="num" data-count="queued">{n.queued}</td>
                    <td className="num" data-count="sent">{n.sent}</td>
                    <td className={`num${n.failed > 0 ? ' bad' : ''}`} data-count="failed">{n.failed}</td>
                    <td className="num" data-count="queries">{d.queries}</td>
                    <td className={`num${d.naks > 0 ? ' bad' : ''}`} data-count="naks">{d.naks}</td>
                    <td className={`num${d.errors > 0 ? ' bad' : ''}`} data-count="errors">{d.errors}</td>
                    <td>
                      <a href={href({ screen: 'inspector', machineId: d.machineId })} aria-label={`${t.device.inspect}: ${d.name}`}>
                        {t.device.inspect}
                      </a>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <h3 id="latest-h">{t.device.latestResults}</h3>
      {latest.length === 0 ? <Empty>{t.results.empty}</Empty> : <ResultsTable rows={latest} machines={machines} labels={labels} compact caption={t.device.latestResults} />}
      <p>
        <a href={href({ screen: 'results' })}>{t.device.allResults}</a>
      </p>
    </section>
  );
}
