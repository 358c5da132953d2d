import { Connection } from '@temporalio/client';
import path from 'node:path';
import { ensureTemporalCli } from './install-temporal-cli.js';
import { LOOPBACK, pickPort } from './ports.js';
import { startService, type ServiceHandle } from './service-process.js';

export interface DevServerOptions {
  /** SQLite file that keeps workflow histories across restarts. */
  dbFile: string;
  /** Serve the Web UI (off in tests). */
  ui: boolean;
  /**
   * Custom search attributes to register, name to type (`EloRunName: 'Keyword'`): the caller
   * names them (pipeline/search-attributes.ts), so this generic launcher knows no pipeline.
   */
  searchAttributes: Readonly<Record<string, string>>;
  log?: (line: string) => void;
}

export interface DevServer extends ServiceHandle {
  address: string;
  uiUrl: string | undefined;
}

/**
 * Starts `temporal server start-dev` on a free loopback port (or $TEMPORAL_PORT / $TEMPORAL_UI_PORT),
 * persisted to `dbFile`, with the given search attributes registered.
 */
export async function startTemporalDevServer(opts: DevServerOptions): Promise<DevServer> {
  const cli = await ensureTemporalCli(opts.log);
  const port = await pickPort('TEMPORAL_PORT', 'the Temporal dev server');
  const uiPort = opts.ui ? await pickPort('TEMPORAL_UI_PORT', 'the Temporal Web UI') : undefined;
  const address = `${LOOPBACK}:${port}`;
  const args = ['server', 'start-dev', '--ip', LOOPBACK, '--port', String(port)];
  args.push('--db-filename', opts.dbFile, '--log-level', 'warn');
  args.push(...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]));
  for (const [name, type] of Object.entries(opts.searchAttributes)) {
    args.push('--search-attribute', `${name}=${type}`);
  }
  const handle = await startService({
    name: `Temporal dev server (${address})`,
    command: cli,
    args,
    logFile: `${opts.dbFile}.log`,
    isReady: () => answers(address),
    readyTimeoutMs: 60_000,
    hint: `read the log above; delete ${path.basename(opts.dbFile)} if it is corrupt, or set TEMPORAL_PORT to another port`,
  });
  return {
    ...handle,
    address,
    uiUrl: uiPort === undefined ? undefined : `http://${LOOPBACK}:${uiPort}`,
  };
}

async function answers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } finally {
    await connection.close();
  }
}
