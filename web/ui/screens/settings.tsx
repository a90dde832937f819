import { useId, useState, type FormEvent } from 'react';
import { API_PREFIX, AUTH_HEADER, BRIDGE_DOWNLOAD_PATH } from '../../../shared/cloud-api.ts';
import { db } from '../../engine/db.ts';
import { sendCommand } from '../../engine/engine-commands.ts';
import { download } from '../inspector/capture-file.ts';
import { Empty, Ltr, ScreenTitle } from '../components.tsx';
import { LANGUAGES, setLang, useLang, useT } from '../i18n/i18n.ts';
import { useBridgeUrl, useDevices, useEngineStatus, useMachines } from '../live-data.ts';
import { setOperator, useOperator } from '../operator.ts';

const DEFAULT_BRIDGE_URL = 'ws://127.0.0.1:17800';
/** Where the engine keeps the station credential (engine/credentials.ts). */
const SETTING_STATION = 'station-credential';

interface SerialWithRequest {
  requestPort(options?: unknown): Promise<unknown>;
}

function Pairing() {
  const t = useT();
  const id = useId();
  const current = useBridgeUrl();
  const [code, setCode] = useState('');
  const [url, setUrl] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (code.trim() === '') return;
    sendCommand({ type: 'pair-bridge', token: code.trim(), url: (url ?? current ?? DEFAULT_BRIDGE_URL).trim() });
    setCode('');
    setSent(true);
  };
  return (
    <form className="stack-form" onSubmit={submit}>
      <p>{t.settings.bridgeIntro}</p>
      <label htmlFor={`${id}-code`}>{t.settings.pairingCode}</label>
      <input id={`${id}-code`} value={code} onChange={(e) => setCode(e.target.value)} dir="ltr" autoComplete="off" spellCheck={false} required />
      <label htmlFor={`${id}-url`}>{t.settings.bridgeUrl}</label>
      <input id={`${id}-url`} value={url ?? current ?? DEFAULT_BRIDGE_URL} onChange={(e) => setUrl(e.target.value)} dir="ltr" spellCheck={false} />
      <div className="actions">
        <button type="submit">{t.settings.pair}</button>
        {sent ? <span role="status">{t.settings.pairSent}</span> : null}
      </div>
    </form>
  );
}

/** The station's bridge, as the LIS builds it for this station (already paired), fetched with the station's credential. */
function BridgeDownload() {
  const t = useT();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const get = async (os: 'win' | 'linux') => {
    setBusy(true);
    setError(null);
    try {
      const credential = (await db.settings.get(SETTING_STATION))?.value as { token?: string } | undefined;
      const res = await fetch(`${API_PREFIX}${BRIDGE_DOWNLOAD_PATH}?os=${os}`, { headers: credential?.token ? { [AUTH_HEADER]: credential.token } : {} });
      if (!res.ok) {
        const body = (await res.json().catch(() => null)) as { error?: string } | null;
        throw new Error(body?.error ?? `HTTP ${res.status}`);
      }
      const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `lis-bridge-${os}.zip`;
      download(await res.blob(), name);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <p>{t.settings.downloadIntro}</p>
      <p className="actions">
        <button type="button" disabled={busy} onClick={() => void get('win')}>
          {t.settings.downloadWin}
        </button>
        <button type="button" disabled={busy} onClick={() => void get('linux')}>
          {t.settings.downloadLinux}
        </button>
      </p>
      {error ? (
        <p role="alert" className="error">
          {t.settings.downloadFailed}{' '}
          <span lang="en" dir="ltr">
            {error}
          </span>
        </p>
      ) : null}
    </>
  );
}

function SerialPorts() {
  const t = useT();
  const machines = useMachines().filter((m) => m.transport === 'serial');
  const devices = useDevices();
  const [answer, setAnswer] = useState<'granted' | 'cancelled' | null>(null);
  const serial = (navigator as Navigator & { serial?: SerialWithRequest }).serial;
  const grant = async () => {
    try {
      // Must run in the page, on the click: Chrome shows its port chooser only for a user gesture.
      await serial!.requestPort();
      sendCommand({ type: 'serial-granted' });
      setAnswer('granted');
    } catch {
      setAnswer('cancelled');
    }
  };
  return (
    <>
      <p>{t.settings.serialIntro}</p>
      {machines.length === 0 ? (
        <Empty>{t.settings.noSerialDevices}</Empty>
      ) : (
        <ul className="serial-list">
          {machines.map((m) => {
            const d = devices?.find((x) => x.machineId === m.id);
            return (
              <li key={m.id} data-machine={m.id}>
                <bdi>{m.name}</bdi> — {t.settings.serialState}: {d ? t.device.state[d.state] : t.none}
              </li>
            );
          })}
        </ul>
      )}
      {serial ? (
        <p className="actions">
          <button type="button" onClick={() => void grant()}>
            {t.settings.grant}
          </button>
          {answer ? <span role="status">{answer === 'granted' ? t.settings.granted : t.settings.grantCancelled}</span> : null}
        </p>
      ) : (
        <p className="warning">{t.settings.noSerialApi}</p>
      )}
    </>
  );
}

function Account() {
  const t = useT();
  const [confirming, setConfirming] = useState(false);
  const [sent, setSent] = useState(false);
  const send = (cmd: Parameters<typeof sendCommand>[0]) => {
    sendCommand(cmd);
    setSent(true);
  };
  return (
    <>
      <p className="actions">
        <button type="button" onClick={() => send({ type: 'sync-now' })}>
          {t.settings.syncNow}
        </button>
        <button type="button" onClick={() => send({ type: 'report-now' })}>
          {t.settings.reportNow}
        </button>
      </p>
      <p>{t.settings.logoutNote}</p>
      {confirming ? (
        <div className="confirm-inline" role="group" aria-label={t.settings.logout}>
          <p>{t.settings.logoutConfirm}</p>
          <button
            type="button"
            className="danger"
            onClick={() => {
              setConfirming(false);
              send({ type: 'logout' });
            }}
          >
            {t.settings.logoutYes}
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            {t.cancel}
          </button>
        </div>
      ) : (
        <p className="actions">
          <button type="button" onClick={() => setConfirming(true)}>
            {t.settings.logout}
          </button>
        </p>
      )}
      {sent ? <p role="status">{t.settings.sent}</p> : null}
    </>
  );
}

export default function SettingsScreen() {
  const t = useT();
  const lang = useLang();
  const status = useEngineStatus();
  const operator = useOperator();
  const id = useId();
  return (
    <section aria-labelledby="screen-title" className="settings">
      <ScreenTitle>{t.settings.title}</ScreenTitle>
      <div className="cards">
        <section className="card" aria-labelledby={`${id}-station`}>
          <h3 id={`${id}-station`}>{t.settings.stationH}</h3>
          {status?.station ? (
            <p data-testid="station">
              {t.settings.station} <bdi>{status.stationName ?? status.station}</bdi> (<Ltr>{status.station}</Ltr>)
            </p>
          ) : (
            <p>{t.settings.stationNone}</p>
          )}
        </section>
        <section className="card" aria-labelledby={`${id}-lang`}>
          <h3 id={`${id}-lang`}>{t.settings.languageH}</h3>
          <fieldset>
            <legend>{t.settings.language}</legend>
            {LANGUAGES.map((l) => (
              <label key={l.lang} className="radio" lang={l.lang}>
                <input type="radio" name="language" value={l.lang} checked={lang === l.lang} onChange={() => setLang(l.lang)} /> {l.name}
              </label>
            ))}
          </fieldset>
        </section>
        <section className="card" aria-labelledby={`${id}-bridge`}>
          <h3 id={`${id}-bridge`}>{t.settings.bridgeH}</h3>
          <Pairing />
        </section>
        <section className="card" aria-labelledby={`${id}-download`} id="bridge-download">
          <h3 id={`${id}-download`}>{t.settings.downloadH}</h3>
          <BridgeDownload />
        </section>
        <section className="card" aria-labelledby={`${id}-serial`}>
          <h3 id={`${id}-serial`}>{t.settings.serialH}</h3>
          <SerialPorts />
        </section>
        <section className="card" aria-labelledby={`${id}-operator`}>
          <h3 id={`${id}-operator`}>{t.settings.operatorH}</h3>
          <label htmlFor={`${id}-operator-name`}>{t.settings.operator}</label>
          <input id={`${id}-operator-name`} value={operator} onChange={(e) => setOperator(e.target.value)} autoComplete="name" />
        </section>
        <section className="card" aria-labelledby={`${id}-account`}>
          <h3 id={`${id}-account`}>{t.settings.accountH}</h3>
          <Account />
        </section>
      </div>
    </section>
  );
}
