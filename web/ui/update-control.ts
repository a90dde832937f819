import { registerSW } from 'virtual:pwa-register';
import { sendCommand } from '../engine/engine-commands.ts';
import { ENGINE_EVENTS_CHANNEL, type EngineEvent } from '../engine/engine-events.ts';

/** How often the page asks the server for a new build (also on focus). */
export const UPDATE_CHECK_MS = 10 * 60_000;
const RELOADED_FOR_PRELOAD = 'lis-reloaded-for-preload-error';

/**
 * Code updates, decided by the engine. The service worker is registered in prompt mode, so a new
 * build waits; this page tells the leader's engine, and only when the engine finds every device
 * between messages with nothing owed does it say "apply". Then the waiting worker takes over and
 * every open tab reloads together.
 */
export function startUpdateControl(): void {
  let waiting = false;
  const updateSW = registerSW({
    immediate: true,
    onNeedRefresh() {
      waiting = true;
      sendCommand({ type: 'update-waiting' });
    },
    onRegisteredSW(_url, registration) {
      if (!registration) return;
      const check = () => void registration.update().catch(() => {});
      setInterval(check, UPDATE_CHECK_MS);
      addEventListener('focus', check);
    },
  });

  const events = new BroadcastChannel(ENGINE_EVENTS_CHANNEL);
  events.onmessage = (ev: MessageEvent<EngineEvent>) => {
    if (ev.data.type === 'apply-update' && waiting) void updateSW(true);
    if (ev.data.type === 'check-update') void navigator.serviceWorker?.getRegistration().then((r) => r?.update());
  };
  // A follower tab, or one that reloaded before learning of the update, reloads when the new worker takes over.
  let reloading = false;
  navigator.serviceWorker?.addEventListener('controllerchange', () => {
    if (reloading || !waiting) return;
    reloading = true;
    location.reload();
  });

  // Old hashed chunks disappear when a new build is deployed: reload once onto the new build.
  addEventListener('vite:preloadError', (event) => {
    if (sessionStorage.getItem(RELOADED_FOR_PRELOAD)) return;
    sessionStorage.setItem(RELOADED_FOR_PRELOAD, String(Date.now()));
    event.preventDefault();
    location.reload();
  });
  addEventListener('load', () => setTimeout(() => sessionStorage.removeItem(RELOADED_FOR_PRELOAD), 10_000));
}
