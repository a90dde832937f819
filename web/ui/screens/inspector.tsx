import { useCallback, useDeferredValue, useEffect, useId, useMemo, useState, useSyncExternalStore, type ReactNode } from 'react';
import { archiveDb } from '../../engine/db.ts';
import { Empty, Ltr, ScreenTitle } from '../components.tsx';
import { formatDateTime, useLang, useT } from '../i18n/i18n.ts';
import { CAPTURE_EXTENSION, download, encodeCapture, encodeTextLog } from '../inspector/capture-file.ts';
import { InspectorModel, type DirFilter, type ShowFilter } from '../inspector/inspector-model.ts';
import { VirtualGrid } from '../inspector/virtual-grid.tsx';
import { hexDump, isProblem, recordFields, type WireLine } from '../inspector/wire-lines.ts';
import { clockTime, delta, WireBytes, WireRecord } from '../inspector/wire-text.tsx';
import { useDevices, useMachines } from '../live-data.ts';
import { navigate } from '../router.ts';

const ROW_HEIGHT = 24;

function useModelVersion(model: InspectorModel): number {
  return useSyncExternalStore(
    useCallback((l) => model.subscribe(l), [model]),
    () => model.version,
  );
}

function Detail({ line, model }: { line: WireLine | null; model: InspectorModel }) {
  const t = useT();
  const lang = useLang();
  const ti = t.inspector;
  if (!line) return <p className="empty">{ti.detailNone}</p>;
  return (
    <div className="detail-body">
      <dl className="facts">
        <dt>{ti.detailAt}</dt>
        <dd>
          <bdi>{formatDateTime(lang, line.at)}</bdi> (<Ltr>{clockTime(line.at)}</Ltr>)
        </dd>
        <dt>{ti.detailDir}</dt>
        <dd>
          {ti.dirLong[line.dir]}
          {line.simulated ? <span className="badge badge-test">{t.testData}</span> : null}
        </dd>
        <dt>{ti.detailKind}</dt>
        <dd>
          {ti.kind[line.kind]}
          {line.frameNo !== undefined ? (
            <>
              {' '}
              <Ltr>#{line.frameNo}</Ltr>
            </>
          ) : null}
          {line.end ? (
            <>
              {' '}
              <Ltr>⟨{line.end}⟩</Ltr>
            </>
          ) : null}
        </dd>
        {line.kind === 'frame' ? (
          <>
            <dt>{ti.cols.checksum}</dt>
            <dd className={line.checksum && !line.checksum.ok ? 'bad' : undefined}>
              {line.checksum ? (
                <>
                  {line.checksum.ok ? ti.checksumOk : ti.checksumBad}: {ti.detailSent} <Ltr>{line.checksum.sent}</Ltr>, {ti.detailComputed} <Ltr>{line.checksum.computed}</Ltr>
                </>
              ) : (
                ti.checksumNone
              )}
            </dd>
          </>
        ) : null}
        <dt>{ti.cols.reply}</dt>
        <dd>
          {line.reply ? (
            <>
              <Ltr>{line.reply.what}</Ltr> {ti.detailAfter(line.reply.afterMs)}
            </>
          ) : (
            ti.noReply
          )}
        </dd>
        {line.note ? (
          <>
            <dt>{ti.detailNote}</dt>
            <dd lang="en" dir="ltr">
              {line.note}
            </dd>
          </>
        ) : null}
        <dt>{ti.cols.raw}</dt>
        <dd>
          {ti.detailBytes(line.bytes.length)}
          <pre className="wire" dir="ltr">
            <WireBytes bytes={line.bytes} decoder={model.textDecoder} />
          </pre>
        </dd>
        <dt>{ti.detailHex}</dt>
        <dd>
          <pre className="hex" dir="ltr">
            {hexDump(line.bytes)}
          </pre>
        </dd>
      </dl>
      {line.records.length > 0 ? (
        <>
          <h4>{ti.detailFields}</h4>
          {line.records.map((r, i) => (
            <table key={i} className="fields">
              <caption>
                <Ltr>{r.split('|')[0]}</Ltr>
              </caption>
              <tbody>
                {recordFields(r).map((f, j) => (
                  <tr key={j}>
                    <th scope="row">
                      <Ltr>{f.label}</Ltr>
                    </th>
                    <td>
                      <Ltr>{f.value}</Ltr>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
        </>
      ) : null}
    </div>
  );
}

function Inspector({ machineId, name, charset }: { machineId: number; name: string; charset: string | undefined }) {
  const t = useT();
  const ti = t.inspector;
  const uid = useId();
  const model = useMemo(() => new InspectorModel(archiveDb, machineId, charset), [machineId, charset]);
  useEffect(() => {
    model.start();
    return () => model.stop();
  }, [model]);
  const version = useModelVersion(model);
  const [dir, setDir] = useState<DirFilter>('all');
  const [show, setShow] = useState<ShowFilter>('all');
  const [search, setSearch] = useState('');
  const [active, setActive] = useState<number | null>(null);
  const [follow, setFollow] = useState(true);
  const [exporting, setExporting] = useState(false);

  // The search box stays responsive while 100 000 lines are searched behind it.
  const deferredSearch = useDeferredValue(search.trim());
  useEffect(() => {
    model.setFilter({ dir, show, search: deferredSearch });
    setActive(null);
  }, [model, dir, show, deferredSearch]);

  const lines = model.parser.lines;
  const rowCount = model.rowLine.length;
  const activeLine = active !== null && active < rowCount ? lines[model.rowLine[active]] : null;
  const q = deferredSearch;

  const renderRow = (i: number): ReactNode => {
    const line = lines[model.rowLine[i]];
    const rec = model.rowRecord[i];
    const head = rec <= 0;
    const prev = line.n > 0 ? lines[line.n - 1] : null;
    return (
      <>
        <div role="gridcell" className="c-time">
          {head ? <bdi dir="ltr">{clockTime(line.at)}</bdi> : null}
        </div>
        <div role="gridcell" className="c-delta">
          {head && prev ? <bdi dir="ltr">{delta(line.at - prev.at)}</bdi> : null}
        </div>
        <div role="gridcell" className={`c-dir dir-${line.dir}`}>
          {head ? ti.dir[line.dir] : ''}
          {head && line.simulated ? <span className="badge badge-test">{ti.testLine}</span> : null}
        </div>
        <div role="gridcell" className="c-frame">
          {head && line.frameNo !== undefined ? line.frameNo : ''}
        </div>
        <div role="gridcell" className="c-raw" dir="ltr">
          {head ? <WireBytes bytes={line.bytes} decoder={model.textDecoder} search={q} /> : null}
        </div>
        <div role="gridcell" className={`c-sum${line.checksum && !line.checksum.ok ? ' bad' : ''}`}>
          {head && line.kind === 'frame' ? (line.checksum ? (line.checksum.ok ? ti.checksumOk : ti.checksumBad) : line.complete ? ti.checksumNone : ti.checksumWaiting) : ''}
        </div>
        <div role="gridcell" className={`c-reply${line.reply && !line.reply.ok ? ' bad' : ''}`}>
          {head && line.reply ? line.reply.what : ''}
        </div>
        <div role="gridcell" className="c-rec" dir="ltr">
          {rec >= 0 ? <WireRecord record={line.records[rec]} search={q} /> : null}
        </div>
      </>
    );
  };

  const exportAs = async (kind: 'capture' | 'log') => {
    setExporting(true);
    try {
      const entries = await model.entries();
      const machine = { id: machineId, name };
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const safe = name.replace(/[^\w.-]+/g, '_');
      if (kind === 'capture') download(encodeCapture(machine, entries), `${safe}-${stamp}${CAPTURE_EXTENSION}`);
      else download(encodeTextLog(machine, entries), `${safe}-${stamp}.log`);
    } finally {
      setExporting(false);
    }
  };

  return (
    <>
      <div className="toolbar" role="toolbar" aria-label={ti.title}>
        <button type="button" aria-pressed={model.paused} onClick={() => model.setPaused(!model.paused)}>
          {model.paused ? ti.resume : ti.pause}
        </button>
        <label>
          {ti.direction}{' '}
          <select value={dir} onChange={(e) => setDir(e.target.value as DirFilter)}>
            <option value="all">{ti.dirAll}</option>
            <option value="in">{ti.dirIn}</option>
            <option value="out">{ti.dirOut}</option>
          </select>
        </label>
        <label>
          {ti.show}{' '}
          <select value={show} onChange={(e) => setShow(e.target.value as ShowFilter)}>
            <option value="all">{ti.showAll}</option>
            <option value="frames">{ti.showFrames}</option>
            <option value="control">{ti.showControl}</option>
            <option value="problems">{ti.showProblems}</option>
          </select>
        </label>
        <label>
          {ti.search}{' '}
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} dir="ltr" spellCheck={false} />
        </label>
        <button type="button" disabled={exporting} onClick={() => void exportAs('capture')}>
          {ti.exportCapture}
        </button>
        <button type="button" disabled={exporting} onClick={() => void exportAs('log')}>
          {ti.exportLog}
        </button>
      </div>
      <p className="inspector-status" role="status" data-testid="inspector-count" data-version={version}>
        {model.loading ? ti.loadingN(lines.length) : ti.count(model.viewLines.length, lines.length)}
        {model.paused ? <span className="paused"> {ti.paused(model.unseen)}</span> : follow && !model.loading ? <span className="following"> · {ti.following}</span> : null}
      </p>
      {!model.loading && lines.length === 0 ? (
        <Empty>{ti.empty}</Empty>
      ) : (
        <VirtualGrid
          id={`${uid}-grid`.replace(/:/g, '')}
          label={ti.gridLabel(name)}
          rowCount={rowCount}
          rowHeight={ROW_HEIGHT}
          version={version}
          active={active}
          onActive={setActive}
          follow={follow && !model.paused}
          onFollow={setFollow}
          rowClass={(i) => {
            const line = lines[model.rowLine[i]];
            return `${line.dir}${isProblem(line) ? ' problem' : ''}${line.simulated ? ' simulated' : ''}${model.rowRecord[i] > 0 ? ' cont' : ''}`;
          }}
          header={
            <>
              <div role="columnheader" className="c-time">{ti.cols.time}</div>
              <div role="columnheader" className="c-delta">{ti.cols.delta}</div>
              <div role="columnheader" className="c-dir">{ti.cols.dir}</div>
              <div role="columnheader" className="c-frame">{ti.cols.frame}</div>
              <div role="columnheader" className="c-raw">{ti.cols.raw}</div>
              <div role="columnheader" className="c-sum">{ti.cols.checksum}</div>
              <div role="columnheader" className="c-reply">{ti.cols.reply}</div>
              <div role="columnheader" className="c-rec">{ti.cols.records}</div>
            </>
          }
          renderRow={renderRow}
        />
      )}
      <section className="detail" aria-labelledby={`${uid}-detail`} data-testid="inspector-detail" tabIndex={0}>
        <h3 id={`${uid}-detail`}>{ti.detailH}</h3>
        <Detail line={activeLine} model={model} />
      </section>
    </>
  );
}

/** The analyzer last inspected: coming back through the tabs shows it again. */
let lastMachine: number | undefined;

export default function InspectorScreen({ machineId }: { machineId: number | undefined }) {
  const t = useT();
  const devices = useDevices();
  const machines = useMachines();
  const id = machineId ?? lastMachine ?? devices?.[0]?.machineId;
  if (id !== undefined) lastMachine = id;
  const device = devices?.find((d) => d.machineId === id);
  const machine = machines.find((m) => m.id === id);
  const name = device?.name ?? machine?.name ?? (id !== undefined ? t.machineN(id) : '');
  const selectId = useId();
  return (
    <section aria-labelledby="screen-title" className="inspector">
      <div className="screen-head">
        <ScreenTitle>{t.inspector.title}</ScreenTitle>
        <label htmlFor={selectId}>{t.inspector.device}</label>
        <select id={selectId} value={id ?? ''} onChange={(e) => navigate({ screen: 'inspector', machineId: Number(e.target.value) })}>
          {(devices ?? []).map((d) => (
            <option key={d.machineId} value={d.machineId}>
              {d.name}
            </option>
          ))}
          {id !== undefined && !device ? <option value={id}>{name}</option> : null}
        </select>
      </div>
      {id === undefined ? devices === undefined ? <p className="loading">{t.loading}</p> : <Empty>{t.device.empty}</Empty> : <Inspector key={id} machineId={id} name={name} charset={machine?.connection_settings.charset} />}
    </section>
  );
}
