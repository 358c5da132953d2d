import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { projectRoot } from '../../../infra/project-paths.js';

// The import rules (`npm run lint:imports`) run on small trees laid out like this project: a clean
// one passes, and each kind of wrong import is caught by its rule, through indirect imports too.
const DEPCRUISE = path.join(
  projectRoot,
  'node_modules',
  'dependency-cruiser',
  'bin',
  'dependency-cruise.mjs',
);
const ARROWS = path.join(projectRoot, '.dependency-cruiser.cjs');
const BUNDLE = path.join(projectRoot, '.dependency-cruiser-workflow-bundle.cjs');

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'elo-import-rules-'));
  await cp(path.join(projectRoot, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  await symlink(path.join(projectRoot, 'node_modules'), path.join(dir, 'node_modules'));
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

function cruise(dir: string, config: string, targets: string[]): { rc: number; out: string } {
  const run = spawnSync(process.execPath, [DEPCRUISE, '--config', config, ...targets], {
    cwd: dir,
    encoding: 'utf8',
  });
  return { rc: run.status ?? -1, out: `${run.stdout}${run.stderr}` };
}

const CLEAN = {
  'workflows/index.ts':
    "import type { Acts } from '../activities/acts.js';\n" +
    "import { plan } from '../pipeline/plan.js';\n" +
    'export const w = (a: Acts) => [plan, a];\n',
  'pipeline/plan.ts': "import { step } from './step.js';\nexport const plan = [step];\n",
  'pipeline/step.ts': "export const step = 'one';\n",
  'storage/ref.ts':
    "import { z } from 'zod';\nexport const RefSchema = z.string();\nexport type Ref = string;\n",
  'activities/acts.ts':
    "import { RefSchema } from '../storage/ref.js';\nexport type Acts = typeof RefSchema;\n",
  'client/start.ts': "import { plan } from '../pipeline/plan.js';\nexport const start = plan;\n",
  'cli/main.ts': "import { start } from '../client/start.js';\nexport const main = start;\n",
};

describe('import rules (dependency-cruiser)', () => {
  const dirs: string[] = [];
  let clean: string;
  let broken: string;
  before(async () => {
    clean = await tree(CLEAN);
    broken = await tree({
      ...CLEAN,
      // Wrong way: workflow-safe code importing the client; the workflow reaches zod through it.
      'pipeline/step.ts':
        "import { start } from '../client/start.js';\nexport const step = start;\n",
      'client/start.ts':
        "import { RefSchema } from '../storage/ref.js';\nexport const start = RefSchema;\n",
      // A runtime cycle.
      'storage/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'storage/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
      // Production code importing an entry point.
      'activities/run.ts': "import { main } from '../cli/main.js';\nexport const run = main;\n",
    });
    dirs.push(clean, broken);
  });
  after(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('pass a tree whose imports follow the arrows (activity types in workflows allowed)', () => {
    const arrows = cruise(clean, ARROWS, [
      'workflows',
      'pipeline',
      'storage',
      'activities',
      'client',
      'cli',
    ]);
    assert.equal(arrows.rc, 0, arrows.out);
    const bundle = cruise(clean, BUNDLE, ['workflows/index.ts']);
    assert.equal(bundle.rc, 0, bundle.out);
  });

  it('catch a wrong-way import, a cycle and an import of an entry point, each by its rule', () => {
    const { rc, out } = cruise(broken, ARROWS, [
      'workflows',
      'pipeline',
      'storage',
      'activities',
      'client',
      'cli',
    ]);
    assert.notEqual(rc, 0);
    assert.match(out, /error pipeline-workflow-safe: pipeline\/step\.ts → client\/start\.ts/);
    assert.match(out, /error no-cycles: storage\/a\.ts →/);
    assert.match(out, /error nothing-imports-cli-or-workers: activities\/run\.ts → cli\/main\.ts/);
    assert.match(
      out,
      /error activities-to-engine-formats-storage: activities\/run\.ts → cli\/main\.ts/,
    );
  });

  it('catch zod and storage/ in the workflow bundle reached through two indirect imports', () => {
    const { rc, out } = cruise(broken, BUNDLE, ['workflows/index.ts']);
    assert.notEqual(rc, 0);
    assert.match(
      out,
      /error workflow-bundle-stays-workflow-safe: workflows\/index\.ts → storage\/ref\.ts/,
    );
    assert.match(
      out,
      /workflow-bundle-stays-workflow-safe: workflows\/index\.ts → \S*node_modules\/zod\//,
    );
  });
});
