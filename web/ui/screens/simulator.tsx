import { useId, useMemo, useState, type ChangeEvent } from 'react';
import { archiveDb, stateDb, type ArchiveEntry, type AuditEntry } from '../../engine/db.ts';
import { sendCommand } from '../../engine/engine-commands.ts';
import { Empty, Ltr, ScreenTitle, TestDataBadge } from '../components.tsx';
import { useT } from '../i18n/i18n.ts';
import { analyzerBytes, decodeCapture, toBase64, type Capture } from '../inspector/capture-file.ts';
import { WireLineParser, type WireLine } from '../inspector/wire-lines.ts';
import { clockTime, WireBytes, WireRecord } from '../inspector/wire-text.tsx';
import { machineLabels, useDevices, useMachines } from '../live-data.ts';
import { setOperator, useOperator } from '../operator.ts';
import { ResultsTable, type ResultRow } from '../results-table.tsx';
import { navigate } from '../router.ts';
import { useLiveQuery } from '../use-live-query.ts';

/** Lines of an imported capture shown before it is replayed. */
const PREVIEW_LINES = 40;

interface Run {
  machineId: number;
  /** Archive id and time before the run: what came after is this run's exchange. */
  afterId: number;
  at: number;
}

/** The last run and its device, kept across screens so that coming back shows it again. */
let lastRun: Run | null = null;

function parse(entries: { at: number; direction: 'in' | 'out'; bytes: Uint8Array; simulated?: boolean }[]): WireLine[] {
  const p = new WireLineParser();
  p.pushAll(entries);
  return p.lines;
}

/** A short, non-virtual list of wire lines: one exchange, or a capture's first lines. */
function WireLines({ lines, testid }: { lines: WireLine[]; testid: string }) {
  const t = useT();
  const ti = t.inspector;
  return (
    <div className="table-scroll">
      <table className="wire-lines" data-testid={testid}>
        <thead>
          <tr>
            <th scope="col">{ti.cols.time}</th>
            <th scope="col">{ti.cols.dir}</th>
            <th scope="col">{ti.cols.raw}</th>
            <th scope="col">{ti.cols.checksum}</th>
            <th scope="col">{ti.cols.reply}</th>
            <th scope="col">{ti.cols.records}</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l) => (
            <tr key={l.n} className={l.dir} data-dir={l.dir}>
              <td>
                <Ltr>{l.at ? clockTime(l.at) : ''}</Ltr>
              </td>
              <td>{ti.dir[l.dir]}</td>
              <td className="wire" dir="ltr">
                <WireBytes bytes={l.bytes} />
              </td>
              <td className={l.checksum && !l.checksum.ok ? 'bad' : undefined}>{l.kind === 'frame' ? (l.checksum ? (l.checksum.ok ? ti.checksumOk : ti.checksumBad) : ti.checksumNone) : ''}</td>
              <td className={l.reply && !l.reply.ok ? 'bad' : undefined}>
                <Ltr>{l.reply?.what ?? ''}</Ltr>
              </td>
              <td className="wire" dir="ltr">
                {l.records.map((r, i) => (
                  <div key={i}>
                    <WireRecord record={r} />
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Exchange({ run }: { run: Run }) {
  const t = useT();
  const entries = useLiveQuery(
    () =>
      archiveDb.archive
        .where('[machineId+id]')
        .between([run.machineId, run.afterId + 1], [run.machineId, Infinity])
        .filter((e) => !!e.simulated)
        .toArray(),
    [run.machineId, run.afterId],
    [] as ArchiveEntry[],
  );
  const transcript = useLiveQuery(
    () =>
      stateDb.audit
        .where('at')
        .aboveOrEqual(run.at)
        .filter((a) => a.action === 'simulate' || a.action === 'replay')
        .toArray(),
    [run.at],
    [] as AuditEntry[],
  );
  const lines = useMemo(() => parse(entries), [entries]);
  return (
    <>
      {lines.length === 0 ? <p role="status">{t.simulator.waiting}</p> : <WireLines lines={lines} testid="sim-exchange" />}
      {transcript.length > 0 ? (
        <>
          <h4>{t.simulator.transcript}</h4>
          <ul className="transcript" data-testid="sim-transcript">
            {transcript.map((a) => (
              <li key={a.id} lang="en" dir="ltr">
                {a.detail}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

function TestResults({ sandboxId, since }: { sandboxId: number; since: number }) {
  const t = useT();
  const rows = useLiveQuery(
    () =>
      stateDb.results
        .where('machineId')
        .equals(sandboxId)
        .filter((r) => r.createdAt >= since)
        .toArray() as Promise<ResultRow[]>,
    [sandboxId, since],
    [] as ResultRow[],
  );
  const machines = useMachines();
  const labels = machineLabels(machines, useDevices());
  return rows.length === 0 ? <Empty>{t.simulator.resultsEmpty}</Empty> : <ResultsTable rows={rows} machines={machines} labels={labels} compact caption={t.simulator.results} />;
}

export default function SimulatorScreen({ machineId }: { machineId: number | undefined }) {
  const t = useT();
  const ts = t.simulator;
  const uid = useId();
  const devices = useDevices();
  const machines = useMachines();
  const operator = useOperator();
  const id = machineId ?? lastRun?.machineId ?? devices?.[0]?.machineId;
  const machine = machines.find((m) => m.id === id);
  const [barcode, setBarcode] = useState('SIM-1');
  const [value, setValue] = useState('42');
  const [who, setWho] = useState(operator);
  const [error, setError] = useState<string | null>(null);
  const [run, setRunState] = useState<Run | null>(lastRun);
  const setRun = (r: Run) => {
    lastRun = r;
    setRunState(r);
  };
  const [capture, setCapture] = useState<{ name: string; capture: Capture; lines: WireLine[] } | null>(null);
  const [fileError, setFileError] = useState(false);

  const start = async (send: (who: string) => void) => {
    if (id === undefined) return;
    if (who.trim() === '') return setError(ts.whoRequired);
    setError(null);
    setOperator(who.trim());
    const last = await archiveDb.archive.where('[machineId+id]').between([id, 0], [id, Infinity]).last();
    setRun({ machineId: id, afterId: last?.id ?? 0, at: Date.now() });
    send(who.trim());
  };

  const simulate = (kind: 'result' | 'query') => (e: { preventDefault(): void }) => {
    e.preventDefault();
    void start((w) => sendCommand({ type: 'simulate', machineId: id!, kind, barcode: barcode.trim() || undefined, ...(kind === 'result' ? { value } : {}), who: w }));
  };

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    setCapture(null);
    setFileError(false);
    if (!file) return;
    try {
      const c = decodeCapture(new Uint8Array(await file.arrayBuffer()));
      setCapture({ name: file.name, capture: c, lines: parse(c.chunks) });
    } catch {
      setFileError(true);
    }
  };

  const replay = () => {
    if (!capture) return;
    const bytes = analyzerBytes(capture.capture);
    void start((w) => sendCommand({ type: 'replay', machineId: id!, base64: toBase64(bytes), who: w }));
  };

  const runSandbox = machines.find((m) => m.id === run?.machineId)?.sandbox_id;
  const framed = capture ? capture.lines.some((l) => l.kind === 'frame' || l.kind === 'mllp' || l.kind === 'control') : true;

  return (
    <section aria-labelledby="screen-title" className="simulator">
      <ScreenTitle>{ts.title}</ScreenTitle>
      <div className="test-data-banner" role="note" data-testid="test-data-banner">
        <TestDataBadge /> {ts.banner}
      </div>
      {devices !== undefined && devices.length === 0 ? (
        <Empty>{ts.noDevices}</Empty>
      ) : (
        <>
          <div className="screen-head">
            <label htmlFor={`${uid}-device`}>{ts.device}</label>
            <select id={`${uid}-device`} value={id ?? ''} onChange={(e) => navigate({ screen: 'simulator', machineId: Number(e.target.value) })}>
              {(devices ?? []).map((d) => (
                <option key={d.machineId} value={d.machineId}>
                  {d.name}
                </option>
              ))}
            </select>
            <span className="sandbox-note" data-testid="sandbox-note">
              {machine?.sandbox_id !== undefined ? ts.sandbox(machine.sandbox_id) : ts.noSandbox}
            </span>
          </div>
          <form className="sim-form" onSubmit={simulate('result')} noValidate>
            <label htmlFor={`${uid}-barcode`}>{ts.barcode}</label>
            <input id={`${uid}-barcode`} value={barcode} onChange={(e) => setBarcode(e.target.value)} dir="ltr" spellCheck={false} />
            <label htmlFor={`${uid}-value`}>{ts.value}</label>
            <input id={`${uid}-value`} value={value} onChange={(e) => setValue(e.target.value)} dir="ltr" spellCheck={false} />
            <label htmlFor={`${uid}-who`}>{ts.who}</label>
            <input id={`${uid}-who`} value={who} onChange={(e) => setWho(e.target.value)} autoComplete="name" required aria-required="true" />
            <div className="actions">
              <button type="submit">{ts.sendResult}</button>
              <button type="button" onClick={simulate('query')}>
                {ts.sendQuery}
              </button>
            </div>
            {error ? (
              <p role="alert" className="error">
                {error}
              </p>
            ) : null}
          </form>

          <h3>{ts.exchange}</h3>
          {run ? <Exchange key={`${run.machineId}-${run.afterId}-${run.at}`} run={run} /> : <Empty>{ts.exchangeEmpty}</Empty>}

          <h3>{ts.results}</h3>
          {run && runSandbox !== undefined ? <TestResults sandboxId={runSandbox} since={run.at} /> : <Empty>{ts.resultsEmpty}</Empty>}

          <h3>{ts.replayH}</h3>
          <div className="replay">
            <label htmlFor={`${uid}-file`}>{ts.file}</label>
            <input id={`${uid}-file`} type="file" accept=".lcap,.bin,.astm,.hl7,.txt,application/octet-stream" onChange={(e) => void onFile(e)} />
            {fileError ? (
              <p role="alert" className="error">
                {ts.badFile}
              </p>
            ) : null}
            {capture ? (
              <>
                <p data-testid="capture-summary">
                  <bdi>{capture.name}</bdi>: {ts.fileSummary(capture.lines.length, analyzerBytes(capture.capture).length)}
                </p>
                {framed ? null : <p className="warning">{ts.noFraming}</p>}
                <WireLines lines={capture.lines.slice(0, PREVIEW_LINES)} testid="capture-preview" />
                <p className="actions">
                  <button type="button" onClick={replay}>
                    {ts.replay}
                  </button>
                </p>
              </>
            ) : null}
          </div>
        </>
      )}
    </section>
  );
}
