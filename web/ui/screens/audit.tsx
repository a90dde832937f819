import { stateDb, type AuditEntry } from '../../engine/db.ts';
import { Empty, ScreenTitle } from '../components.tsx';
import { formatDateTime, useLang, useT } from '../i18n/i18n.ts';
import { useLiveQuery } from '../use-live-query.ts';

const SHOWN = 500;

export default function AuditScreen() {
  const t = useT();
  const lang = useLang();
  const rows = useLiveQuery(() => stateDb.audit.orderBy('at').reverse().limit(SHOWN).toArray(), [], undefined as AuditEntry[] | undefined);
  const c = t.audit.cols;
  return (
    <section aria-labelledby="screen-title">
      <ScreenTitle>{t.audit.title}</ScreenTitle>
      <p>{t.audit.intro}</p>
      {rows === undefined ? (
        <p className="loading">{t.loading}</p>
      ) : rows.length === 0 ? (
        <Empty>{t.audit.empty}</Empty>
      ) : (
        <div className="table-scroll">
          <table data-testid="audit">
            <thead>
              <tr>
                <th scope="col">{c.at}</th>
                <th scope="col">{c.who}</th>
                <th scope="col">{c.action}</th>
                <th scope="col">{c.detail}</th>
                <th scope="col">{c.uploaded}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((a) => (
                <tr key={a.id} data-action={a.action}>
                  <td>
                    <bdi>{formatDateTime(lang, a.at)}</bdi>
                  </td>
                  <td>
                    <bdi>{a.who}</bdi>
                  </td>
                  <td>{t.audit.action[a.action] ?? <bdi dir="ltr">{a.action}</bdi>}</td>
                  <td lang="en" dir="ltr" className="audit-detail">
                    {a.detail}
                  </td>
                  <td>{a.uploaded ? t.yes : t.no}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
