import { useEffect, useState } from 'react';
import { APP_VERSION, SUPPORTED_WIRE_VERSIONS } from '../../../shared/version.ts';
import { Ltr, ScreenTitle } from '../components.tsx';
import { useEngineRole } from '../engine-role.ts';
import { formatBytes, formatDateTime, useLang, useT } from '../i18n/i18n.ts';
import { usePersistence } from '../host-checks.ts';
import { useEngineStatus } from '../live-data.ts';

const BUILD = typeof __APP_BUILD__ === 'string' ? __APP_BUILD__ : 'dev';

export default function AboutScreen() {
  const t = useT();
  const lang = useLang();
  const status = useEngineStatus();
  const role = useEngineRole();
  const persistence = usePersistence();
  const [estimate, setEstimate] = useState<StorageEstimate | null>(null);
  useEffect(() => {
    void navigator.storage?.estimate?.().then(setEstimate);
  }, []);
  const persisted = persistence === 'persisted' || status?.persisted === true;
  const a = t.about;
  return (
    <section aria-labelledby="screen-title">
      <ScreenTitle>{a.title}</ScreenTitle>
      <dl className="facts about" data-testid="about">
        <dt>{a.app}</dt>
        <dd data-fact="app-version">
          <Ltr>{APP_VERSION}</Ltr>
        </dd>
        <dt>{a.build}</dt>
        <dd data-fact="build">
          <Ltr>{BUILD}</Ltr>
        </dd>
        <dt>{a.bridgeVersion}</dt>
        <dd data-fact="bridge-version">
          <Ltr>{status?.bridgeVersion ?? t.none}</Ltr>
        </dd>
        <dt>{a.wire}</dt>
        <dd data-fact="wire">
          <Ltr>{status?.bridgeWire !== undefined ? String(status.bridgeWire) : t.none}</Ltr>
        </dd>
        <dt>{a.wireSupported}</dt>
        <dd>
          <Ltr>{SUPPORTED_WIRE_VERSIONS.join(', ')}</Ltr>
        </dd>
        <dt>{a.storage}</dt>
        <dd data-fact="storage">
          {persistence === 'unknown' && status?.persisted === undefined ? t.none : persisted ? a.persisted : a.notPersisted}
          {estimate?.usage !== undefined && estimate.quota !== undefined ? (
            <>
              {' · '}
              {a.usage(formatBytes(lang, estimate.usage), formatBytes(lang, estimate.quota))}
            </>
          ) : null}
        </dd>
        <dt>{a.window}</dt>
        <dd>{t.header.role[role]}</dd>
        <dt>{a.engineUpdated}</dt>
        <dd>
          <bdi>{formatDateTime(lang, status?.updatedAt)}</bdi>
        </dd>
      </dl>
    </section>
  );
}

declare const __APP_BUILD__: string | undefined;
