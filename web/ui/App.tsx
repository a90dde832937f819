import { lazy, Suspense, useRef } from 'react';
import { Banner } from './banner.tsx';
import { focusScreenTitleOnNextMount } from './components.tsx';
import { useEngineRole } from './engine-role.ts';
import { LANGUAGES, setLang, useLang, useT } from './i18n/i18n.ts';
import { useEngineStatus } from './live-data.ts';
import { href, SCREENS, useRoute, type Screen } from './router.ts';
import { DevicesScreen } from './screens/devices.tsx';

// The dashboard is what opens; every other screen loads when first visited, the inspector above all.
const InspectorScreen = lazy(() => import('./screens/inspector.tsx'));
const ResultsScreen = lazy(() => import('./screens/results.tsx'));
const OutboxScreen = lazy(() => import('./screens/outbox.tsx'));
const QueriesScreen = lazy(() => import('./screens/queries.tsx'));
const SimulatorScreen = lazy(() => import('./screens/simulator.tsx'));
const AuditScreen = lazy(() => import('./screens/audit.tsx'));
const SettingsScreen = lazy(() => import('./screens/settings.tsx'));
const AboutScreen = lazy(() => import('./screens/about.tsx'));

function ScreenView({ screen, machineId }: { screen: Screen; machineId: number | undefined }) {
  switch (screen) {
    case 'devices':
      return <DevicesScreen />;
    case 'inspector':
      return <InspectorScreen machineId={machineId} />;
    case 'results':
      return <ResultsScreen />;
    case 'outbox':
      return <OutboxScreen />;
    case 'queries':
      return <QueriesScreen />;
    case 'simulator':
      return <SimulatorScreen machineId={machineId} />;
    case 'audit':
      return <AuditScreen />;
    case 'settings':
      return <SettingsScreen />;
    case 'about':
      return <AboutScreen />;
  }
}

function LanguageSwitch() {
  const lang = useLang();
  return (
    <div className="lang-switch" role="group" aria-label="Language / اللغة">
      {LANGUAGES.map((l) => (
        <button key={l.lang} type="button" lang={l.lang} aria-pressed={l.lang === lang} onClick={() => setLang(l.lang)}>
          {l.name}
        </button>
      ))}
    </div>
  );
}

export function App() {
  const t = useT();
  const role = useEngineRole();
  const status = useEngineStatus();
  const route = useRoute();
  // Moving to another screen (not the first render) puts focus on the new screen's title; decided
  // while rendering, before the new screen mounts, whether it is loaded already or lazily.
  const shown = useRef<Screen | null>(null);
  if (shown.current !== null && shown.current !== route.screen) focusScreenTitleOnNextMount();
  shown.current = route.screen;

  return (
    <>
      <a className="skip-link" href="#content" onClick={(e) => {
        e.preventDefault();
        document.getElementById('content')?.focus();
      }}>
        {t.skipToContent}
      </a>
      <header className="top">
        <h1>{t.appTitle}</h1>
        <div className="top-status">
          {status?.stationName || status?.station ? (
            <span className="station">
              {t.header.station} <bdi>{status.stationName ?? status.station}</bdi>
            </span>
          ) : null}
          <span data-testid="engine-role" data-role={role} className={`role role-${role}`}>
            <span className="role-label">{t.header.role[role]}</span>
            <span className="bridge">
              {t.header.bridge}{' '}
              <span data-testid="bridge-state" data-state={status?.bridge ?? ''} className={`bridge-${status?.bridge ?? 'unknown'}`}>
                {status ? t.header.bridgeState[status.bridge] : '…'}
              </span>
            </span>
          </span>
          <LanguageSwitch />
        </div>
      </header>
      <nav className="tabs" aria-label={t.navLabel}>
        <ul>
          {SCREENS.map((s) => (
            <li key={s}>
              <a href={href({ screen: s, ...(route.machineId !== undefined && (s === 'inspector' || s === 'simulator') ? { machineId: route.machineId } : {}) })} aria-current={route.screen === s ? 'page' : undefined}>
                {t.nav[s]}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <Banner status={status} role={role} />
      <main id="content" tabIndex={-1}>
        <Suspense fallback={<p className="loading">{t.loading}</p>}>
          <ScreenView screen={route.screen} machineId={route.machineId} />
        </Suspense>
      </main>
    </>
  );
}
