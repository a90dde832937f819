import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App.tsx';
import { startEngineWorker } from './ui/engine-role.ts';
import { startI18n } from './ui/i18n/i18n.ts';
import { startUpdateControl } from './ui/update-control.ts';
import { APP_VERSION } from '../shared/version.ts';
import './ui/console.css';

startUpdateControl();
document.documentElement.dataset.appVersion = APP_VERSION;

// Language and direction (`<html lang dir>`) before the first render: the stored choice, else the browser's.
startI18n();
startEngineWorker();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
