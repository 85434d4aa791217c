// Worker bootstrap: the worker thread's module loader does not inherit the
// main thread's TypeScript support, so register tsx here, then load the
// worker proper (workerSource.worker.ts). Same approach as db/pglite.worker.mjs.
import { register } from 'tsx/esm/api';

register();
await import('./workerSource.worker.ts');
