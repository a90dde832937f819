import type { Machine, OrderResponse } from '../../shared/cloud-api.ts';

/** Analyzer ports of the demo lab; tests move them to free ports. */
export const DEMO_PORTS = {
  maglumi800: 15001,
  maglumiX3: 15002,
  udichem: 15003,
  vitros: 15004,
  dymind: 5600,
} as const;

export type DemoPorts = Record<keyof typeof DEMO_PORTS, number>;

export const DEMO_STATION = 'lab-pc-1';

export function demoStations(): { id: string; name: string }[] {
  return [
    { id: DEMO_STATION, name: 'Lab PC 1' },
    { id: 'lab-pc-2', name: 'Lab PC 2' },
  ];
}

function tcp(port: number, extra: Partial<Machine['connection_settings']> = {}): Machine['connection_settings'] {
  // Analyzer clocks are set to the lab's local time, which for the demo is this machine's.
  return { mode: 'server', host: '0.0.0.0', port, charset: 'latin1', timezone: Intl.DateTimeFormat().resolvedOptions().timeZone, ...extra };
}

/** Each machine has a sandbox copy for the console's simulator: id + this offset. */
export const SANDBOX_OFFSET = 100;

export function demoMachines(ports: DemoPorts = DEMO_PORTS): Machine[] {
  const real = realMachines(ports);
  return [
    ...real.map((m) => ({ ...m, sandbox_id: m.id + SANDBOX_OFFSET })),
    ...real.map((m) => ({ ...m, id: m.id + SANDBOX_OFFSET, name: `${m.name} (sandbox)`, code: `${m.code}-SANDBOX`, is_sandbox: true, connection_settings: { ...m.connection_settings, station: 'sandbox' } })),
  ];
}

function realMachines(ports: DemoPorts): Machine[] {
  return [
    {
      id: 1,
      name: 'Maglumi 800',
      code: 'MAGLUMI800',
      driver: 'maglumi_astm',
      transport: 'tcp',
      connection_settings: tcp(ports.maglumi800),
      tests: [
        { analyzer_code: 'TSH II', test_code: 'TSH', units: 'uIU/mL' },
        { analyzer_code: 'FT4', test_code: 'FT4', units: 'pmol/L' },
      ],
    },
    {
      id: 2,
      name: 'Maglumi X3',
      code: 'MAGLUMIX3',
      driver: 'maglumi_astm',
      transport: 'tcp',
      connection_settings: tcp(ports.maglumiX3),
      tests: [{ analyzer_code: 'FERRITIN', test_code: 'FERR', units: 'ng/mL' }],
    },
    {
      id: 3,
      name: 'Udichem 240 Plus',
      code: 'UDICHEM240',
      driver: 'udichem_astm',
      transport: 'tcp',
      connection_settings: tcp(ports.udichem),
      tests: [
        { analyzer_code: 'GLU', test_code: 'GLU', units: 'mg/dl' },
        { analyzer_code: 'UREA', test_code: 'UREA', units: 'mg/dl' },
        { analyzer_code: 'CREA', test_code: 'CREA', units: 'mg/dl' },
      ],
    },
    {
      id: 4,
      name: 'VITROS 4600',
      code: 'VITROS4600',
      driver: 'vitros_astm',
      transport: 'tcp',
      connection_settings: tcp(ports.vitros),
      tests: [
        { analyzer_code: '300', test_code: 'GLU', units: 'mg/dL' },
        { analyzer_code: '309', test_code: 'NA', units: 'mmol/L' },
        { analyzer_code: '330', test_code: 'MG', units: 'mg/dL' },
      ],
    },
    {
      id: 5,
      name: 'Dymind DH36',
      code: 'DH36',
      driver: 'dymind_hl7',
      transport: 'tcp',
      connection_settings: tcp(ports.dymind, { charset: 'utf-8' }),
      tests: [
        { analyzer_code: 'WBC', test_code: 'WBC', units: '10*9/L' },
        { analyzer_code: 'HGB', test_code: 'HGB', units: 'g/L' },
        { analyzer_code: 'PLT', test_code: 'PLT', units: '10*9/L' },
      ],
    },
  ];
}

/** Orders for demo barcodes, per machine id. */
export function demoOrders(): Record<number, OrderResponse[]> {
  return {
    1: [{ barcode: 'M1001', tests: ['TSH II', 'FT4'], specimen_type: 'serum', priority: 'routine', patient: { sex: 'F', birth_date: '1985-04-12' } }],
    3: [
      { barcode: 'B123', tests: ['GLU'], specimen_type: 'serum', priority: 'routine', patient: { sex: 'M', birth_date: '1970-01-30' } },
      { barcode: 'U2001', tests: ['GLU', 'UREA', 'CREA'], specimen_type: 'serum', priority: 'stat' },
    ],
    4: [{ barcode: '1068687', tests: ['300', '330'], specimen_type: 'serum', priority: 'routine', patient: { sex: 'F' } }],
    5: [{ barcode: 'H3001', tests: ['CBC+DIFF'], specimen_type: 'whole blood', priority: 'routine', patient: { sex: 'M', birth_date: '1990-07-01' } }],
  };
}

export const DEMO_USER = { email: 'demo@example.com', password: 'demo' };
