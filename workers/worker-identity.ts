import os from 'node:os';

/**
 * The identity a worker process polls with, and names in its stages' heartbeats and failures:
 * `pid@host`, the SDK's own default, made explicit so activities can report it. In a cluster the
 * host is a pod; `ELO_NODE_NAME` (e.g. Kubernetes' spec.nodeName) adds the machine it runs on.
 * `ELO_WORKER_IDENTITY` replaces the whole string.
 */
export function workerIdentity(env: NodeJS.ProcessEnv = process.env): string {
  const own = env['ELO_WORKER_IDENTITY'];
  if (own) return own;
  const base = `${process.pid}@${os.hostname()}`;
  const node = env['ELO_NODE_NAME'];
  return node && node !== os.hostname() ? `${base} on ${node}` : base;
}
