import { createServer } from 'node:net';

/** A port another process holds; the message names the variable that moves it. */
export class PortInUseError extends Error {
  constructor(
    readonly service: string,
    readonly port: number,
    readonly envVar: string,
    options?: ErrorOptions,
  ) {
    super(
      `${service}: port ${port} on 127.0.0.1 is already in use — stop whatever holds it or set ${envVar} to another port`,
      options,
    );
    this.name = 'PortInUseError';
  }
}

export interface PortClaim {
  readonly port: number;
  /** The environment variable a user sets to move this port. */
  readonly envVar: string;
}

/** True when nothing listens on 127.0.0.1:port (checked by binding it for a moment). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(false);
      else reject(err);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Throws PortInUseError for the first claimed port that is taken, before anything starts. */
export async function assertPortsFree(service: string, claims: readonly PortClaim[]): Promise<void> {
  for (const c of claims) {
    if (!(await isPortFree(c.port))) throw new PortInUseError(service, c.port, c.envVar);
  }
}

const handedOut = new Set<number>();

/**
 * A port the kernel just handed out on 127.0.0.1 (free now; the caller binds
 * it soon). Never the same one twice in a process: the kernel readily hands
 * a just-released port out again before its first taker bound it.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await kernelPort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port from the kernel'))));
    });
  });
}
