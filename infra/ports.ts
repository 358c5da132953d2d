import net from 'node:net';
import { SetupError } from './setup-error.js';

export const LOOPBACK = '127.0.0.1';

/** A port the OS says is free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves if `port` can be bound on loopback; otherwise a SetupError naming it and what to do. */
export function assertPortFree(port: number, what: string, envVar: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new SetupError(
            `port ${port} on ${LOOPBACK}, wanted for ${what}, is already in use`,
            `stop whatever listens there (\`ss -ltnp 'sport = :${port}'\` shows it) or set ${envVar} to another port`,
          ),
        );
      } else reject(err);
    });
    server.listen(port, LOOPBACK, () => server.close(() => resolve()));
  });
}

/** A fixed port from the environment if set (and free), else a free one. */
export async function pickPort(envVar: string, what: string): Promise<number> {
  const raw = process.env[envVar];
  if (raw === undefined || raw === '') return freePort();
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SetupError(`${envVar}=${raw} is not a port number`, `set ${envVar} to 1..65535`);
  }
  await assertPortFree(port, what, envVar);
  return port;
}
