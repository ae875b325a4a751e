// Workers do not inherit the tsx loader on Node 20: register it, then load the TS worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
