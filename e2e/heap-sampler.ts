import type { Browser, CDPSession } from 'playwright-core';

/**
 * The JS heaps of the console's page and of its engine worker, read over the browser's DevTools
 * protocol. `performance.memory` covers the page's main thread only, and the engine, which holds
 * everything a long run could leak, lives in a worker.
 */
export class HeapSampler {
  private nextId = 1;
  private readonly replies = new Map<number, (result: { usedSize: number }) => void>();
  private readonly sessions = new Map<string, string>();

  private constructor(private readonly cdp: CDPSession) {
    cdp.on('Target.receivedMessageFromTarget', (e) => {
      const msg = JSON.parse(e.message) as { id?: number; result?: { usedSize: number } };
      if (msg.id !== undefined && msg.result) this.replies.get(msg.id)?.(msg.result);
    });
  }

  static async open(browser: Browser): Promise<HeapSampler> {
    return new HeapSampler(await browser.newBrowserCDPSession());
  }

  /** Used heap in MB of every page and worker whose URL starts with `origin`, by target type. */
  async sample(origin: string): Promise<{ pageMb: number; workerMb: number }> {
    const { targetInfos } = await this.cdp.send('Target.getTargets');
    const out = { pageMb: 0, workerMb: 0 };
    for (const t of targetInfos) {
      if (!t.url.startsWith(origin) || (t.type !== 'page' && t.type !== 'worker')) continue;
      let session = this.sessions.get(t.targetId);
      if (!session) {
        // Not flattened: Playwright's CDP sessions cannot address a child session directly.
        session = (await this.cdp.send('Target.attachToTarget', { targetId: t.targetId, flatten: false })).sessionId;
        this.sessions.set(t.targetId, session);
      }
      const id = this.nextId++;
      const used = await new Promise<number>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`no heap reading from ${t.type} ${t.url}`)), 5_000);
        this.replies.set(id, (r) => {
          clearTimeout(timer);
          ok(r.usedSize);
        });
        void this.cdp.send('Target.sendMessageToTarget', { sessionId: session!, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) }).catch(fail);
      }).finally(() => this.replies.delete(id));
      out[t.type === 'page' ? 'pageMb' : 'workerMb'] += used / 2 ** 20;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.cdp.detach().catch(() => {});
  }
}
