import { db, stateDb, type DeviceStatus, type EngineStatus, type OutboxEntry } from '../engine/db.ts';
import { useEngineRole, useLiveEngineStatus } from './engine-role.ts';
import { useLiveQuery } from './use-live-query.ts';

const DELIVERY_LABEL: Record<OutboxEntry['state'], string> = { pending: 'In outbox', sent: 'Sent', dead: 'Dead letter' };
const DEVICE_LABEL: Record<DeviceStatus['state'], string> = {
  starting: 'Starting',
  listening: 'Listening',
  connected: 'Connected',
  disconnected: 'Disconnected',
  'port-in-use': 'Port in use',
  'not-allowed': 'Not allowed by the bridge',
  'serial-not-granted': 'Serial port not granted',
  error: 'Error',
  stopped: 'Stopped',
};

function Banner({ status }: { status: EngineStatus | undefined }) {
  const role = useEngineRole();
  if (!status) return <p className="banner">Starting the console engine…</p>;
  const problems: string[] = [];
  if (role === 'follower') problems.push('Another console window is driving the analyzers. This window shows the same data, read-only.');
  if (status.storage === 'failing' && status.storageDetail) problems.push(status.storageDetail);
  if (status.bridge !== 'connected' && status.bridgeDetail) problems.push(status.bridgeDetail);
  if (status.cloud !== 'ok') problems.push(status.cloudDetail ? `Cloud: ${status.cloudDetail}. Results wait in the outbox and are sent when it is back.` : 'The cloud is unreachable.');
  if (problems.length === 0) return null;
  return (
    <div className="banner" role="alert">
      {problems.map((p) => (
        <p key={p}>{p}</p>
      ))}
    </div>
  );
}

function Devices() {
  const devices = useLiveQuery(() => stateDb.devices.toArray(), [], [] as DeviceStatus[]);
  return (
    <section aria-labelledby="devices-h">
      <h2 id="devices-h">Analyzers</h2>
      <table data-testid="devices">
        <thead>
          <tr>
            <th>Name</th>
            <th>Driver</th>
            <th>Port</th>
            <th>State</th>
            <th>Last message</th>
            <th>Received</th>
          </tr>
        </thead>
        <tbody>
          {devices.map((d) => (
            <tr key={d.machineId} data-machine={d.machineId}>
              <td>{d.name}</td>
              <td>{d.driver}</td>
              <td>{d.transport.toUpperCase()} {d.port}</td>
              <td className={`state-${d.state}`} title={d.detail}>
                {DEVICE_LABEL[d.state]}
                {d.peer ? ` (${d.peer})` : ''}
              </td>
              <td>{d.lastMessageAt ? new Date(d.lastMessageAt).toLocaleTimeString() : '—'}</td>
              <td>{d.received}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Results() {
  const rows = useLiveQuery(() => db.outbox.orderBy('createdAt').reverse().limit(200).toArray(), [], [] as OutboxEntry[]);
  return (
    <section aria-labelledby="results-h">
      <h2 id="results-h">Recent results</h2>
      <table data-testid="results">
        <thead>
          <tr>
            <th>Sample</th>
            <th>Test</th>
            <th>Value</th>
            <th>Units</th>
            <th>Range</th>
            <th>Delivery</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-state={r.state}>
              <td><bdi dir="ltr">{r.item.barcode}</bdi></td>
              <td><bdi dir="ltr">{r.item.test_code}</bdi></td>
              <td><bdi dir="ltr">{r.item.value}</bdi></td>
              <td><bdi dir="ltr">{r.item.units}</bdi></td>
              <td><bdi dir="ltr">{r.item.reference_range}</bdi></td>
              <td title={r.lastError}>{DELIVERY_LABEL[r.state]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function App() {
  const stored = useLiveQuery(() => stateDb.status.get('engine'), [], undefined as EngineStatus | undefined);
  const live = useLiveEngineStatus();
  const status = live && (!stored || live.updatedAt >= stored.updatedAt) ? live : stored;
  return (
    <main>
      <header>
        <h1>LIS analyzer console</h1>
        <span data-testid="engine-role" data-role={useEngineRole()}>
          Bridge: <span data-testid="bridge-state">{status?.bridge ?? '…'}</span>
        </span>
      </header>
      <Banner status={status} />
      <Devices />
      <Results />
    </main>
  );
}
