/**
 * `npm run services`: the local development services, in the foreground until Ctrl-C —
 * the Temporal dev server (persisted in .temporal/dev.db, with the Web UI) and, with --s3, the
 * S3 server (objects in .s3/, credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
 * Ports: TEMPORAL_PORT, TEMPORAL_UI_PORT, ELO_S3_PORT (free ones when unset).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from './project-paths.js';
import { s3CredentialsFromEnv, startS3Server } from './s3-server.js';
import { exitOnError } from './setup-error.js';
import { startTemporalDevServer } from './temporal-dev-server.js';
import { SEARCH_ATTRIBUTES } from '../pipeline/search-attributes.js';

const log = (line: string) => console.log(line);

async function run(): Promise<void> {
  const withS3 = process.argv.includes('--s3');
  const credentials = withS3 ? s3CredentialsFromEnv() : undefined; // fail before starting anything
  const stateDir = path.join(projectRoot, '.temporal');
  await mkdir(stateDir, { recursive: true });
  const temporal = await startTemporalDevServer({
    searchAttributes: SEARCH_ATTRIBUTES,
    dbFile: path.join(stateDir, 'dev.db'),
    ui: true,
    log,
  });
  log(`Temporal: ${temporal.address}  (export TEMPORAL_ADDRESS=${temporal.address})`);
  log(`Web UI:   ${temporal.uiUrl}`);
  const s3 = credentials
    ? await startS3Server({
        dataDir: path.join(projectRoot, '.s3'),
        bucket: 'elo',
        credentials,
        log,
      })
    : undefined;
  if (s3)
    log(`S3:       ${s3.endpoint}, bucket ${s3.bucket}  (export ELO_S3_ENDPOINT=${s3.endpoint})`);
  log('Ctrl-C stops them.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log('stopping…');
  await Promise.all([temporal.stop(), s3?.stop()]);
}

run().catch(exitOnError);
