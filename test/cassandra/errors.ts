/** A failure the CLI reports as one line (plus, for a node that died, its log tail). */
export class LauncherError extends Error {
  constructor(
    message: string,
    /** Extra lines printed after the message (e.g. the last lines of a node's log). */
    readonly details?: string,
  ) {
    super(message);
    this.name = 'LauncherError';
  }
}
