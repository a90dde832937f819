import type { StationCredential } from '../../shared/cloud-api.ts';
import { CloudError, type CloudClient } from './cloud-client.ts';
import type { ConsoleDb } from './db.ts';

export const SETTING_STATION = 'station-credential';
export const SETTING_BRIDGE = 'bridge-pairing';

export interface BridgePairing {
  url: string;
  token: string;
  /** Typed by staff (kept over the cloud's) or taken from the cloud's pre-paired download. */
  source?: 'typed' | 'cloud';
}

export type AuthOutcome = 'ok' | 'login-needed' | 'unreachable';

/**
 * The station credential the engine runs on. A user's login only serves to obtain it: the console
 * runs around the clock, longer than any login session. When the cloud refuses it (401), results
 * are held in the outbox until someone logs in again; they are never dead-lettered for it.
 */
export class Credentials {
  station: StationCredential | null = null;

  constructor(
    private readonly db: ConsoleDb,
    private readonly cloud: CloudClient,
  ) {}

  async load(): Promise<StationCredential | null> {
    this.station = ((await this.db.settings.get(SETTING_STATION))?.value as StationCredential | undefined) ?? null;
    this.cloud.token = this.station?.token ?? null;
    return this.station;
  }

  async bridgePairing(): Promise<BridgePairing | null> {
    return ((await this.db.settings.get(SETTING_BRIDGE))?.value as BridgePairing | undefined) ?? null;
  }

  async setBridgePairing(pairing: BridgePairing): Promise<void> {
    await this.db.settings.put({ key: SETTING_BRIDGE, value: pairing });
  }

  /** A person logged in: trade their login for this PC's station credential. */
  async loginWithPassword(email: string, password: string, station?: string): Promise<void> {
    this.cloud.token = await this.cloud.login(email, password);
    const credential = await this.cloud.stationCredential(station);
    this.station = credential;
    this.cloud.token = credential.token;
    await this.db.settings.put({ key: SETTING_STATION, value: credential });
  }

  /**
   * Obtains a credential with no person present: only the dev cloud offers that (its demo
   * login and pairing). A production backend answers 404 and a person must log in.
   */
  async authenticate(): Promise<AuthOutcome> {
    try {
      this.cloud.token = null;
      const boot = await this.cloud.devBootstrap();
      if (!boot) return 'login-needed';
      await this.loginWithPassword(boot.login.email, boot.login.password, this.station?.station);
      if (!(await this.bridgePairing())) await this.setBridgePairing(boot.bridge);
      return 'ok';
    } catch (err) {
      return err instanceof CloudError && !err.retryable ? 'login-needed' : 'unreachable';
    }
  }

  /** Forget who we are. Undelivered results stay, and go out after the next login. */
  async logout(): Promise<void> {
    this.station = null;
    this.cloud.token = null;
    await this.db.settings.delete(SETTING_STATION);
  }
}
