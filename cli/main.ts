#!/usr/bin/env node
// The `elo` command. Each command group registers itself from its own file under commands/.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerModelCommands } from './commands/model.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerRunsCommands } from './commands/runs.js';
import { registerScheduleCommands } from './commands/schedule.js';
import { registerServiceCommands } from './commands/services.js';
import { registerStoreCommands } from './commands/store.js';
import { registerWorkersCommand } from './commands/workers.js';
import { EXIT_BAD_INPUT, exitCodeFor, oneLine } from './errors.js';
import { addSettingsOptions, applySettings } from './settings.js';
import { loadStagePack } from '../client/stage-pack.js';

function version(): string {
  // dist/cli/main.js → package.json at the repository root.
  const pkg = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('elo')
    .description('ELO continual pretraining pipelines')
    .version(version())
    // Throw instead of exiting, so usage errors get exit code 2 below.
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  addSettingsOptions(program);
  // Flags over environment over settings file, resolved before any command runs; then the stage
  // pack (ELO_STAGE_PACK), whose stages DAGs may name.
  program.hook('preAction', async (_program, action) => {
    applySettings(action.optsWithGlobals());
    await loadStagePack();
  });
  registerRunsCommands(program);
  registerScheduleCommands(program);
  registerServiceCommands(program);
  registerWorkersCommand(program);
  registerDemoCommand(program);
  registerModelCommands(program);
  registerStoreCommands(program);
  return program;
}

async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    // A command may have set its own status (`elo worker` passes its worker's on).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its message (or the help / version).
      return err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    }
    console.error(`elo: ${oneLine(err)}`);
    if (process.env.ELO_DEBUG) console.error(err);
    return exitCodeFor(err);
  }
}

run(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
