import { QueueFullError } from './driver-errors.js';

/**
 * Append the caller's async stack to an error raised on the event loop (a socket callback has
 * no user frames). Call it in a `catch` right after an `await`: there V8's async stack traces
 * still lead back to the user's await. Captured only on failure, so success costs nothing.
 * Internal: not exported from the package.
 * @internal
 */
export function withCallerStack(err: unknown): unknown {
  // A QueueFullError is stackless on purpose (raised in bulk under overload: see its class).
  if (!(err instanceof Error) || err instanceof QueueFullError) return err;
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, withCallerStack);
  const lines = (holder.stack ?? '').split('\n').slice(1).join('\n');
  if (lines && !(err.stack ?? '').includes('--- awaited at ---')) {
    try {
      Object.defineProperty(err, 'stack', { value: `${err.stack ?? `${err.name}: ${err.message}`}\n    --- awaited at ---\n${lines}`, configurable: true, writable: true });
    } catch {
      // a frozen error keeps its own stack
    }
  }
  return err;
}
