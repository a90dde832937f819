import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { EngineStatus } from '../engine/db.ts';
import { sendCommand } from '../engine/engine-commands.ts';
import type { Role } from './engine-role.ts';
import { checkBridge, pageIsPublic, requestPersistence, useLocalNetworkPermission, usePersistence } from './host-checks.ts';
import { useT } from './i18n/i18n.ts';
import { useBridgeUrl } from './live-data.ts';
import { Ltr } from './components.tsx';
import { href } from './router.ts';

/** How long "later" puts an update off; the engine caps the total. */
const UPDATE_LATER_MS = 10 * 60_000;

type BridgeProblem = 'not-paired' | 'wire' | 'origin' | 'other-page';

/**
 * Which refusal the bridge gave. The engine reports it as prose (bridge-transport.ts REFUSALS), so
 * it is recognised by its words here until the engine states it as a code (requested).
 */
export function bridgeProblem(status: EngineStatus): BridgeProblem | null {
  if (status.bridge !== 'refused') return null;
  const d = status.bridgeDetail ?? '';
  if (/version/i.test(d)) return 'wire';
  if (/address/i.test(d)) return 'origin';
  if (/another console window|took over/i.test(d)) return 'other-page';
  return 'not-paired';
}

function Problem({ id, message, children, detail }: { id: string; message: string; children?: ReactNode; detail?: string }) {
  const t = useT();
  return (
    <div className="problem" data-problem={id}>
      <p className="problem-message">{message}</p>
      {children}
      {detail ? (
        <p className="problem-detail">
          {t.banner.details}{' '}
          <span lang="en" dir="ltr">
            {detail}
          </span>
        </p>
      ) : null}
    </div>
  );
}

function PairingForm() {
  const t = useT();
  const id = useId();
  const url = useBridgeUrl();
  const [code, setCode] = useState('');
  const [sent, setSent] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (code.trim() === '') return;
    // The address stays as it was paired (Settings changes it); only the code is asked here.
    sendCommand({ type: 'pair-bridge', token: code.trim(), ...(url ? { url } : {}) });
    setSent(true);
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <label htmlFor={`${id}-code`}>{t.banner.pairingCode}</label>
      <input id={`${id}-code`} name="pairing-code" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" spellCheck={false} dir="ltr" required />
      <button type="submit">{t.banner.pair}</button>
      {sent ? <span role="status">{t.banner.pairSent}</span> : null}
    </form>
  );
}

function LoginForm() {
  const t = useT();
  const id = useId();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [sent, setSent] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    sendCommand({ type: 'login', email: email.trim(), password });
    setPassword('');
    setSent(true);
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <label htmlFor={`${id}-email`}>{t.banner.email}</label>
      <input id={`${id}-email`} name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="username" dir="ltr" required />
      <label htmlFor={`${id}-password`}>{t.banner.password}</label>
      <input id={`${id}-password`} name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" dir="ltr" required />
      <button type="submit">{t.banner.login}</button>
      {sent ? <span role="status">{t.banner.loginSent}</span> : null}
    </form>
  );
}

function BridgeCheck() {
  const t = useT();
  const url = useBridgeUrl();
  const [answer, setAnswer] = useState<boolean | null>(null);
  return (
    <p className="actions">
      <button type="button" onClick={() => void checkBridge(url).then(setAnswer)}>
        {t.banner.checkBridge}
      </button>
      {answer === null ? null : <span role="status">{answer ? t.banner.bridgeAnswered : t.banner.bridgeSilent}</span>}
    </p>
  );
}

/** Every global problem, each with the action that fixes it. Nothing shows when all is well. */
export function Banner({ status, role }: { status: EngineStatus | undefined; role: Role }) {
  const t = useT();
  const permission = useLocalNetworkPermission();
  const persistence = usePersistence();
  const bridgeUrl = useBridgeUrl();
  const items: ReactNode[] = [];

  if (role === 'follower') {
    items.push(
      <Problem key="follower" id="follower" message={t.banner.follower}>
        <p>{t.banner.followerAction}</p>
      </Problem>,
    );
  }
  if (status?.storage === 'failing') {
    items.push(
      <Problem key="storage" id="storage-failing" message={t.banner.storageFailing} detail={status.storageDetail}>
        <p>{t.banner.storageAction}</p>
      </Problem>,
    );
  }
  if (status && status.bridge !== 'connected' && pageIsPublic() && (permission === 'prompt' || permission === 'denied')) {
    items.push(
      permission === 'prompt' ? (
        <Problem key="permission" id="permission" message={t.banner.permission}>
          <p className="actions">
            <button type="button" onClick={() => void checkBridge(bridgeUrl)}>
              {t.banner.allowBridge}
            </button>{' '}
            {t.banner.permissionAction}
          </p>
        </Problem>
      ) : (
        <Problem key="permission" id="permission-denied" message={t.banner.permissionDenied}>
          <p>{t.banner.permissionDeniedAction}</p>
        </Problem>
      ),
    );
  }
  if (status?.bridge === 'down') {
    items.push(
      <Problem key="bridge" id="bridge-down" message={t.banner.bridgeDown} detail={status.bridgeDetail}>
        <p>{t.banner.bridgeDownAction}</p>
        <BridgeCheck />
        <p>
          <a href={href({ screen: 'settings' })}>{t.banner.openSettings}</a>
        </p>
      </Problem>,
    );
  }
  const refusal = status ? bridgeProblem(status) : null;
  if (refusal === 'not-paired') {
    items.push(
      <Problem key="bridge" id="not-paired" message={t.banner.notPaired}>
        <p>{t.banner.notPairedAction}</p>
        <PairingForm />
      </Problem>,
    );
  } else if (refusal) {
    const [message, action] =
      refusal === 'wire' ? [t.banner.wireMismatch, t.banner.wireMismatchAction] : refusal === 'origin' ? [t.banner.badOrigin, t.banner.badOriginAction] : [t.banner.otherPage, t.banner.otherPageAction];
    items.push(
      <Problem key="bridge" id={`bridge-${refusal}`} message={message} detail={status?.bridgeDetail}>
        <p>{action}</p>
        {refusal === 'wire' || refusal === 'origin' ? (
          <p>
            <a href={href({ screen: 'settings' })}>{t.banner.openSettings}</a>
          </p>
        ) : null}
      </Problem>,
    );
  }
  if (persistence === 'not-persisted' || persistence === 'refused') {
    items.push(
      <Problem key="persist" id="not-persisted" message={t.banner.notPersisted}>
        <p className="actions">
          <button type="button" onClick={() => void requestPersistence()}>
            {t.banner.persist}
          </button>
          {persistence === 'refused' ? <span role="status">{t.banner.persistRefused}</span> : null}
        </p>
      </Problem>,
    );
  }
  if (status?.cloud === 'unreachable') {
    items.push(
      <Problem key="cloud" id="cloud-unreachable" message={t.banner.cloudUnreachable} detail={status.cloudDetail}>
        <p className="actions">
          <button
            type="button"
            onClick={() => {
              sendCommand({ type: 'retry-now' });
              sendCommand({ type: 'sync-now' });
            }}
          >
            {t.banner.tryNow}
          </button>
        </p>
      </Problem>,
    );
  }
  if (status?.cloud === 'login-needed') {
    items.push(
      <Problem key="login" id="login-needed" message={t.banner.loginNeeded} detail={status.cloudDetail}>
        <LoginForm />
      </Problem>,
    );
  }
  if (status?.updateWaiting || status?.minimumVersion) {
    items.push(
      <Problem key="update" id="update-waiting" message={t.banner.updateWaiting}>
        {status?.minimumVersion ? (
          <p>
            {t.banner.updateRequired} <Ltr>{status.minimumVersion}</Ltr>
          </p>
        ) : (
          <p>{t.banner.updateAction}</p>
        )}
        <p className="actions">
          <button type="button" onClick={() => sendCommand({ type: 'update-now' })}>
            {t.banner.updateNow}
          </button>
          {status?.minimumVersion ? null : (
            <button type="button" onClick={() => sendCommand({ type: 'update-later', ms: UPDATE_LATER_MS })}>
              {t.banner.updateLater}
            </button>
          )}
        </p>
      </Problem>,
    );
  }

  return (
    <section className="banner" aria-label={t.banner.label} aria-live="polite" hidden={items.length === 0 && !!status}>
      {!status && role !== 'follower' ? <p className="problem-message">{t.banner.starting}</p> : items}
    </section>
  );
}
