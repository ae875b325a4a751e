/**
 * Keeps an idle connection proven alive: when nothing was read for `intervalMs`, `ping` runs
 * (an OPTIONS request); when it fails, `onFailure` closes the connection.
 */
export class Heartbeat {
  private lastReadAt = performance.now();
  private inFlight = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly ping: () => Promise<unknown>,
    private readonly onFailure: (err: unknown) => void,
  ) {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => this.tick(), Math.max(50, Math.floor(intervalMs / 2)));
    this.timer.unref();
  }

  /** Something was read: the connection is alive. */
  touch(now: number): void {
    this.lastReadAt = now;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    if (this.inFlight || performance.now() - this.lastReadAt < this.intervalMs) return;
    this.inFlight = true;
    this.ping().then(
      () => {
        this.inFlight = false;
      },
      (err: unknown) => {
        this.inFlight = false;
        this.onFailure(err);
      },
    );
  }
}
