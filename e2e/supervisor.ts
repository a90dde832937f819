import { spawnTs, type Spawned } from './processes.ts';

/**
 * Stands in for systemd's Restart=always / the Windows task's restart-on-failure: whenever the
 * bridge dies, start it again.
 */
export class Supervisor {
  current: Spawned;
  private stopped = false;
  restarts = 0;

  private constructor(
    private readonly start: () => Spawned,
    first: Spawned,
  ) {
    this.current = first;
    this.watch(first);
  }

  static run(entry: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<Supervisor> {
    return Supervisor.runWith(() => spawnTs(entry, args, env), ready);
  }

  /** Supervises whatever `start` launches (the bridge executable, say). */
  static async runWith(start: () => Spawned, ready: RegExp): Promise<Supervisor> {
    const first = start();
    await first.waitFor(ready);
    return new Supervisor(start, first);
  }

  private watch(child: Spawned): void {
    void child.exited.then(() => {
      if (this.stopped) return;
      this.restarts++;
      this.current = this.start();
      this.watch(this.current);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.current.kill();
  }
}
