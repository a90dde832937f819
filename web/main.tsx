import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App.tsx';
import { startEngineWorker } from './ui/engine-role.ts';
import { startUpdateControl } from './ui/update-control.ts';
import { APP_VERSION } from '../shared/version.ts';
import './ui/console.css';

startUpdateControl();
document.documentElement.dataset.appVersion = APP_VERSION;

startEngineWorker();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
