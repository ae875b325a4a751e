
/** Delays between attempts to reconnect to a down host. */
export interface ReconnectionPolicy {
  /** A new schedule: each call to `next()` gives the next delay in ms. */
  newSchedule(): { next(): number };
}

/** Exponential backoff with full jitter, from `baseDelayMs` up to `maxDelayMs`. */
export class ExponentialReconnectionPolicy implements ReconnectionPolicy {
  constructor(
    /** First delay. */
    readonly baseDelayMs = 1000,
    /** Largest delay. */
    readonly maxDelayMs = 60_000,
  ) {}

  /** @inheritDoc */
  newSchedule(): { next(): number } {
    let attempt = 0;
    const base = this.baseDelayMs;
    const max = this.maxDelayMs;
    return {
      next(): number {
        const ceiling = Math.min(max, base * 2 ** Math.min(attempt++, 30));
        // Jitter between 85 % and 100 % keeps reconnect storms apart without long waits.
        return Math.round(ceiling * (0.85 + Math.random() * 0.15));
      },
    };
  }
}

/** Same delay every time. */
export class ConstantReconnectionPolicy implements ReconnectionPolicy {
  constructor(/** Delay in ms. */ readonly delayMs = 1000) {}
  /** @inheritDoc */
  newSchedule(): { next(): number } {
    const d = this.delayMs;
    return { next: () => d };
  }
}

