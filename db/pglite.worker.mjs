// Worker bootstrap: the worker threads's module loader does not inherit the
// main thread's TypeScript support, so register tsx here, then load the
// worker proper (pglite.worker.ts).
import { register } from 'tsx/esm/api';

register();
await import('./pglite.worker.ts');
