import { sendCommand } from '../engine/engine-commands.ts';
import { ENGINE_EVENTS_CHANNEL, type EngineEvent } from '../engine/engine-events.ts';

/** How often the page asks the server for a new build (also on focus). */
export const UPDATE_CHECK_MS = 10 * 60_000;
const RELOADED_FOR_PRELOAD = 'lis-reloaded-for-preload-error';
/** vite-plugin-pwa's generated worker; its prompt mode activates only on this message. */
const SERVICE_WORKER_URL = '/sw.js';
const SKIP_WAITING = { type: 'SKIP_WAITING' };

/**
 * Code updates, decided by the engine. A new build installs and then waits; this page tells the
 * leader's engine, and only when the engine finds every device between messages with nothing owed
 * does it say "apply". Then the waiting worker takes over and every open tab reloads together.
 *
 * The service worker API is used directly rather than through workbox-window: its guess of whether
 * an update was "external" (found more than a minute after registering) changes which events fire,
 * and a console that stays open for days finds every update that way.
 */
export function startUpdateControl(): void {
  const sw = navigator.serviceWorker;
  if (!sw) return;
  // A page that has run under a worker reloads whenever another takes over, so no two tabs run
  // different builds; the very first worker claiming a fresh page is not an update.
  let controlled = sw.controller !== null;
  let reloading = false;
  sw.addEventListener('controllerchange', () => {
    if (!controlled) {
      controlled = true;
      return;
    }
    if (reloading) return;
    reloading = true;
    location.reload();
  });

  const registered = sw.register(SERVICE_WORKER_URL, { scope: '/' });
  const announce = (registration: ServiceWorkerRegistration) => {
    if (registration.waiting && registration.active) sendCommand({ type: 'update-waiting' });
  };
  void registered.then((registration) => {
    announce(registration);
    registration.addEventListener('updatefound', () => {
      const installing = registration.installing;
      installing?.addEventListener('statechange', () => {
        if (installing.state === 'installed') announce(registration);
      });
    });
    const check = () => void registration.update().catch(() => {});
    setInterval(check, UPDATE_CHECK_MS);
    addEventListener('focus', check);
  }).catch((err: Error) => console.error('service worker registration failed; updates and offline start are off', err));

  const events = new BroadcastChannel(ENGINE_EVENTS_CHANNEL);
  events.onmessage = (ev: MessageEvent<EngineEvent>) => {
    if (ev.data.type === 'apply-update') void registered.then((r) => r.waiting?.postMessage(SKIP_WAITING));
    if (ev.data.type === 'check-update') void registered.then((r) => r.update()).catch(() => {});
  };

  // Old hashed chunks disappear when a new build is deployed: reload once onto the new build.
  addEventListener('vite:preloadError', (event) => {
    if (sessionStorage.getItem(RELOADED_FOR_PRELOAD)) return;
    sessionStorage.setItem(RELOADED_FOR_PRELOAD, String(Date.now()));
    event.preventDefault();
    location.reload();
  });
  addEventListener('load', () => setTimeout(() => sessionStorage.removeItem(RELOADED_FOR_PRELOAD), 10_000));
}
