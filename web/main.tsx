import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { registerSW } from 'virtual:pwa-register';
import { App } from './ui/App.tsx';
import { startEngineWorker } from './ui/engine-role.ts';
import './ui/console.css';

// Updates are applied by the engine when no analyzer is mid-message; registering in prompt mode
// keeps the service worker from reloading the page on its own.
registerSW({ immediate: true });

startEngineWorker();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
