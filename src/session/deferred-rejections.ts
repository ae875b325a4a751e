/**
 * Promises rejected one microtask after they are returned.
 *
 * `Promise.reject(e)` makes a promise that is rejected before its caller can attach a handler, so
 * Node records it as possibly unhandled and then, when the handler comes, as handled again: two
 * trips through its rejection tracking, about half of what a shed request costs. A promise
 * returned pending and rejected on the next microtask (one per burst, however many it holds)
 * already has its handler by then, and skips both. A caller that never attaches one still gets
 * Node's unhandled-rejection report.
 */
export class DeferredRejections {
  private rejects: ((error: unknown) => void)[] = [];
  private errors: unknown[] = [];
  private captured: ((error: unknown) => void) | undefined;
  private readonly capture = (_resolve: unknown, reject: (error: unknown) => void): void => {
    this.captured = reject;
  };
  private readonly flush = (): void => {
    const rejects = this.rejects;
    const errors = this.errors;
    this.rejects = [];
    this.errors = [];
    for (let i = 0; i < rejects.length; i++) rejects[i]!(errors[i]);
  };

  /** A promise that rejects with `error` on the next microtask. */
  reject<T = never>(error: unknown): Promise<T> {
    const promise = new Promise<T>(this.capture);
    if (this.rejects.length === 0) queueMicrotask(this.flush);
    this.rejects.push(this.captured!);
    this.errors.push(error);
    this.captured = undefined;
    return promise;
  }
}
