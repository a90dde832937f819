/**
 * The cloud LIS API as this project uses it: the single place to adapt to the production backend.
 * See cloud-api.md for which endpoints exist there today and which are new (marked NEW below).
 * Paths are relative to `<origin>/api`; every call but login sends `X-Authorization: <token>`.
 */

export const API_PREFIX = '/api';
export const AUTH_HEADER = 'X-Authorization';

/** POST /auth/login (the production path may differ; the client takes it from one constant). */
export const LOGIN_PATH = '/auth/login';
export interface LoginRequest {
  email: string;
  password: string;
}
export interface LoginResponse {
  token: string;
}

export type DriverKey = 'maglumi_astm' | 'udichem_astm' | 'vitros_astm' | 'dymind_hl7' | 'generic_astm' | 'generic_hl7';

export interface ConnectionSettings {
  /** Our role: `server` = we listen for the analyzer, `client` = we connect to it. */
  mode: 'server' | 'client';
  host?: string;
  port?: number;
  baud_rate?: number;
  data_bits?: number;
  parity?: 'none' | 'even' | 'odd';
  stop_bits?: number;
  charset?: string;
  /** IANA zone of the analyzer's clock (its timestamps carry none). */
  timezone?: string;
  /** The lab PC (station) that drives this analyzer. */
  station?: string;
  /** Analyzer addresses allowed to connect in server mode. */
  allowed_peers?: string[];
  [extra: string]: unknown;
}

export interface TestMapping {
  analyzer_code: string;
  test_code: string;
  units?: string;
}

/** GET /lis/machines */
export interface Machine {
  id: number;
  name: string;
  code: string;
  driver: DriverKey | string;
  transport: 'tcp' | 'serial';
  connection_settings: ConnectionSettings;
  tests?: TestMapping[];
  /** NEW: the id of this machine's sandbox copy in the LIS, where simulator traffic goes as test data. */
  sandbox_id?: number;
  /** NEW: this machine is a sandbox: it takes test data and is never driven. */
  is_sandbox?: boolean;
}

/** GET /lis/machines/{id}/orders?barcode= */
export interface OrderResponse {
  barcode: string;
  /** Analyzer test codes; empty when the tube has nothing ordered on this analyzer. */
  tests: string[];
  specimen_type?: string;
  priority?: 'routine' | 'stat';
  patient?: { sex?: 'M' | 'F' | 'U'; birth_date?: string };
}

/** GET /lis/machines/{id}/work-orders */
export interface WorkOrder {
  barcode: string;
  tests: string[];
  specimen_type?: string;
  priority?: 'routine' | 'stat';
}

/** One result as posted. `idempotency_key` is NEW: the backend must honour it (see cloud-api.md). */
export interface ResultItem {
  idempotency_key: string;
  machine_id: number;
  barcode: string;
  test_code: string;
  test_id: string;
  value: string;
  units: string;
  reference_range: string;
  flags: string[];
  status: string;
  completed_at_raw: string;
  /** NEW: the result time as UTC, read in the machine's time zone; null when the analyzer sent none. */
  completed_at?: string | null;
  received_at: string;
  qc?: boolean;
  /** NEW: analyzer clock minus ours at the message's header, when the header has a time. */
  clock_skew_ms?: number;
  /** NEW: what a person should check (unit differs from the LIS mapping, clock skew, ...). */
  warnings?: string[];
  /** NEW: simulator traffic, on the machine's sandbox: never a patient result. */
  test_data?: boolean;
  /** NEW: VITROS HIL and the like: reported beside tests, not as tests. */
  kind?: 'test' | 'sample-quality-index';
  /** NEW: the analyzer's sample id could not be translated to a LIS barcode. */
  unmatched?: boolean;
  /** NEW: a masked or unusable value (`**.*`), kept as the analyzer sent it. */
  invalid?: boolean;
}

/** POST /lis/machine-results */
export interface PostResultsRequest {
  results: ResultItem[];
}
export type ResultItemOutcome =
  | { idempotency_key: string; status: 'stored'; id: number }
  | { idempotency_key: string; status: 'duplicate'; id: number }
  | { idempotency_key: string; status: 'rejected'; reason: string };
export interface PostResultsResponse {
  items: ResultItemOutcome[];
}

/** GET /lis/machine-results?machine_id=&barcode= (NEW; what tests and the demo read). */
export interface StoredResult extends ResultItem {
  id: number;
  stored_at: string;
}

/**
 * GET /dev/bootstrap (dev cloud only, NEW): demo credentials and the bridge pairing, so that the
 * demo console runs with no clicks. A production backend answers 404 and the console asks.
 */
export interface DevBootstrap {
  login: LoginRequest;
  bridge: { url: string; token: string };
}

/**
 * POST /lis/stations/credentials (NEW): with a user's token, issues the long-lived credential the
 * console's engine runs on, so a 24/7 station does not depend on a user's login session.
 */
export const STATION_CREDENTIALS_PATH = '/lis/stations/credentials';
export interface StationCredentialRequest {
  /** The station (lab PC) to act as; omitted = the lab's first station. */
  station?: string;
}
export interface StationCredential {
  station: string;
  station_name: string;
  token: string;
}

/** POST /lis/machines/{id}/status (NEW): what support sees instead of reaching the PC. */
export interface DeviceStatusReport {
  station: string;
  state: string;
  detail?: string;
  peer?: string;
  last_communication_at?: string;
  app_version: string;
  app_build: string;
  bridge_version?: string;
  wire_version?: number;
  /** Device errors since the last report: M/E records, NAK bursts, timeouts. */
  events?: { at: string; kind: string; message: string }[];
}
export interface MachineStatus extends DeviceStatusReport {
  machine_id: number;
  reported_at: string;
  /** Set by the cloud when two stations report the same machine. */
  conflict?: string;
}

/** POST /lis/machines/{id}/communication-logs (NEW): the traffic archive, uploaded. */
export interface CommunicationLogEntry {
  /** The console's own sequence for the entry, so a re-upload is recognised. */
  id: string;
  at: string;
  direction: 'in' | 'out';
  /** The bytes exactly as on the wire, base64. */
  bytes_base64: string;
  /** A parsed, human summary (`ENQ`, `frame 1 H|\^&…`, `ACK`). */
  summary: string;
  simulated?: boolean;
}
export interface CommunicationLogUpload {
  station: string;
  entries: CommunicationLogEntry[];
}

/**
 * GET /lis/console/version (NEW): the console policy: the oldest build the cloud still accepts,
 * and how long patient data may stay on a lab PC once it is in the cloud.
 */
export const CONSOLE_VERSION_PATH = '/lis/console/version';
export interface ConsoleVersionPolicy {
  minimum_version: string | null;
  /** Delivered results and uploaded traffic older than this are removed from the PC. */
  retention_days?: number;
  /** The traffic archive is trimmed (oldest uploaded first) past this size. */
  archive_max_mb?: number;
}

/**
 * GET /lis/stations/bridge-pairing (NEW): the pairing token the cloud also wrote into this
 * station's bridge download, so a bridge installed from the download is paired with no typing.
 */
export const BRIDGE_PAIRING_PATH = '/lis/stations/bridge-pairing';
export interface BridgePairingResponse {
  url: string;
  token: string;
}

/** GET /lis/bridge/download?os=win|linux (NEW): a zip with the executable and its bridge.json. */
export const BRIDGE_DOWNLOAD_PATH = '/lis/bridge/download';
