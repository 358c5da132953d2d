import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { exitText, SupervisedWorker } from '../../cli/supervised-worker.js';
import { projectRoot } from '../../infra/project-paths.js';
import { waitFor } from '../support/pipeline-harness.js';
import { temporalAddress, uniqueName } from '../support/servers.js';

describe("the demo's worker process, supervised (real worker processes, real Temporal)", () => {
  const logFile = path.join(
    process.env['ELO_TEST_SCRATCH'] ?? '/tmp',
    `${uniqueName('demo-worker')}.log`,
  );
  const fd = openSync(logFile, 'a');
  after(() => closeSync(fd));

  it('says when the worker dies (signal, log path, last lines), restarts it, then gives up', async () => {
    const queue = uniqueName('supervised');
    const worker = new SupervisedWorker({
      spawn: () =>
        spawn(process.execPath, [path.join(projectRoot, 'dist', 'workers', 'gpu.js')], {
          env: {
            ...process.env,
            TEMPORAL_ADDRESS: temporalAddress(),
            ELO_CPU_QUEUE: `${queue}-cpu`,
            ELO_GPU_QUEUE: `${queue}-gpu`,
          },
          stdio: ['ignore', fd, fd],
        }),
      logFile,
      runName: 'my-run',
      maxRestarts: 1,
    });
    try {
      const seen: string[] = [];
      const killAndHear = async (what: RegExp) => {
        process.kill(worker.pid!, 'SIGKILL');
        return waitFor(`the notice ${what}`, async () => {
          seen.push(...worker.notices());
          return seen.some((l) => what.test(l)) ? seen.join('\n') : undefined;
        });
      };
      // Wait until the first worker process is up (its log says so), so the tail has its lines.
      await waitFor('the worker to start', async () => {
        const { readFile } = await import('node:fs/promises');
        return (await readFile(logFile, 'utf8')).includes('elo gpu worker:') ? true : undefined;
      });
      const first = await killAndHear(/restarted it/);
      assert.match(
        first,
        new RegExp(
          `exited: signal SIGKILL \\(exit status 137\\).*; log: ${logFile.replace(/[.]/g, '\\.')}`,
        ),
      );
      // The log's last lines (the worker's own startup output here) follow, indented.
      assert.match(first, new RegExp(`\\n {4}\\| .*${queue}-gpu`), 'the log tail is shown');
      assert.match(first, /restart 1 of 1\): a stage it was running times out on its heartbeat/);
      assert.equal(worker.failure(), undefined);

      await killAndHear(/not restarting it/);
      assert.match(
        worker.failure() ?? '',
        /exited 2 times \(last: signal SIGKILL.*Run my-run stays open: cancel it with `elo cancel my-run`/,
      );
    } finally {
      await worker.stop();
    }
  });

  it('words exits the way a shell would', () => {
    assert.equal(exitText(1, null), 'exit code 1');
    assert.match(exitText(null, 'SIGKILL'), /^signal SIGKILL \(exit status 137\); the kernel OOM/);
  });
});
