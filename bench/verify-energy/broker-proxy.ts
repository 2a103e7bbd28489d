/**
 * A TCP relay between the exporter daemon and the broker that can be cut:
 * `down()` drops every open connection and refuses new ones (the Pi's
 * uplink gone), `up()` lets them through again. The daemon keeps running
 * meanwhile, filling its outbox — the broker itself is shared and stays up.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface BrokerProxy {
  /** `amqpUrl` with its port replaced by the relay's. */
  through(amqpUrl: string): string;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startBrokerProxy(brokerPort: number): Promise<BrokerProxy> {
  let open = true;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const broker = connect(brokerPort, '127.0.0.1');
    const drop = (): void => {
      client.destroy();
      broker.destroy();
      sockets.delete(client);
      sockets.delete(broker);
    };
    for (const s of [client, broker]) {
      sockets.add(s);
      s.on('error', drop).on('close', drop);
    }
    client.pipe(broker);
    broker.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const cut = (): void => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return {
    through(amqpUrl) {
      const u = new URL(amqpUrl);
      u.port = String(port);
      return u.toString();
    },
    down() {
      open = false;
      cut();
    },
    up() {
      open = true;
    },
    close() {
      cut();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
