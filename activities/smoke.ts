import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface SmokeWriteInput {
  runId: string;
  text: string;
}

export interface SmokeArtifact {
  path: string;
  sha256: string;
  bytes: number;
}

/** Two tiny activities that prove a worker, the server and the disk are wired together. */
export const createSmokeActivities = (deps: { root: string }) => ({
  async writeMessage(input: SmokeWriteInput): Promise<SmokeArtifact> {
    const dir = path.join(deps.root, 'smoke', input.runId);
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'message.txt');
    const data = Buffer.from(input.text, 'utf8');
    // Write then rename: a crash never leaves a half-written file under the final name.
    await writeFile(`${file}.tmp`, data);
    await rename(`${file}.tmp`, file);
    return { path: file, sha256: sha256(data), bytes: data.length };
  },

  async verifyMessage(artifact: SmokeArtifact): Promise<{ sha256: string; matches: boolean }> {
    const digest = sha256(await readFile(artifact.path));
    return { sha256: digest, matches: digest === artifact.sha256 };
  },
});

export type SmokeActivities = ReturnType<typeof createSmokeActivities>;

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
