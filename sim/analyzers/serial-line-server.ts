import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * Simulated serial cables for the e2e build's fake Web Serial: each port is a line between the
 * engine (over a WebSocket) and a simulated analyzer (this object's `line(id)`). Tests pull the
 * cable, send a break, and plug it back in.
 */
export interface SerialLine {
  write(bytes: Uint8Array): void;
  onData(listener: (bytes: Uint8Array) => void): void;
  /** Resolves when the engine has the port open. */
  opened(): Promise<void>;
  sendBreak(): void;
}

interface PortState {
  id: string;
  usbVendorId: number;
  usbProductId: number;
  socket: WebSocket | null;
  listeners: ((bytes: Uint8Array) => void)[];
  openWaiters: (() => void)[];
}

export interface SerialLineServer {
  url: string;
  line(id: string): SerialLine;
  unplug(id: string): void;
  plug(id: string): void;
  close(): Promise<void>;
}

export async function startSerialLines(ports: { id: string; usbVendorId: number; usbProductId: number }[]): Promise<SerialLineServer> {
  const state = new Map<string, PortState>(ports.map((p) => [p.id, { ...p, socket: null, listeners: [], openWaiters: [] }]));
  const eventSockets = new Set<WebSocket>();
  const http: Server = createServer((req, res) => {
    if (req.url === '/ports') {
      res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
      res.end(JSON.stringify(ports));
      return;
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (ws, req) => {
    if (req.url === '/events') {
      eventSockets.add(ws);
      ws.on('close', () => eventSockets.delete(ws));
      return;
    }
    const id = decodeURIComponent(req.url?.replace(/^\/line\//, '') ?? '');
    const port = state.get(id);
    if (!port) return ws.close();
    port.socket = ws;
    ws.on('message', (data: Buffer) => {
      const bytes = new Uint8Array(data);
      for (const l of port.listeners) l(bytes);
    });
    ws.on('close', () => {
      if (port.socket === ws) port.socket = null;
    });
    for (const w of port.openWaiters.splice(0)) w();
  });
  await new Promise<void>((ok) => http.listen(0, '127.0.0.1', () => ok()));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const broadcast = (msg: object) => {
    for (const s of eventSockets) s.send(JSON.stringify(msg));
  };
  return {
    url,
    line(id) {
      const port = state.get(id)!;
      return {
        write: (bytes) => port.socket?.send(bytes),
        onData: (l) => void port.listeners.push(l),
        opened: () => (port.socket ? Promise.resolve() : new Promise<void>((ok) => port.openWaiters.push(ok))),
        sendBreak: () => port.socket?.send(JSON.stringify({ t: 'break' })),
      };
    },
    unplug(id) {
      const port = state.get(id);
      port?.socket?.close();
      if (port) port.socket = null;
      broadcast({ t: 'unplug', id });
    },
    plug(id) {
      broadcast({ t: 'plug', id });
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const c of wss.clients) c.terminate();
        http.close(() => ok());
      }),
  };
}
