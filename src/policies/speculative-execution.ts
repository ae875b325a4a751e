
/** When to start another attempt of a slow idempotent request on the next host. */
export interface SpeculativeExecutionPolicy {
  /** Delay before the n-th extra attempt (n from 1), or -1 for none. */
  nextDelayMs(attempt: number): number;
}

/** No speculative executions (the default). */
export class NoSpeculativeExecutionPolicy implements SpeculativeExecutionPolicy {
  /** @inheritDoc */
  nextDelayMs(): number {
    return -1;
  }
}

/** Up to `maxExecutions` extra attempts, `delayMs` apart. Only idempotent requests speculate. */
export class ConstantSpeculativeExecutionPolicy implements SpeculativeExecutionPolicy {
  constructor(
    /** Delay between attempts. */
    readonly delayMs: number,
    /** Extra attempts at most. */
    readonly maxExecutions = 1,
  ) {}
  /** @inheritDoc */
  nextDelayMs(attempt: number): number {
    return attempt <= this.maxExecutions ? this.delayMs : -1;
  }
}

