import { DefaultLogger, Runtime } from '@temporalio/worker';

// Worker logs (webpack stats, state changes) drown the test report; keep warnings and errors.
let installed = false;
export function quietTemporalRuntime(): void {
  if (installed) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  installed = true;
}
