// What a request's promise resolves with: the execution core applies the session's sink to the
// answer where it arrives (the usual request), or chains it on the slower paths.
import type { AnsweredRequest } from '../results/page-builder.js';

/**
 * What the request's promise resolves with, made from the answer: the execution core applies it
 * where the answer arrives, so no second promise is chained onto the core's for it.
 */
export interface AnswerSink<T> {
  /**
   * The result made from the answer; on the usual request this runs in the socket's read path.
   * What it throws rejects the request's promise.
   */
  complete(answer: AnsweredRequest): T | Promise<T>;
}

/** The answer itself. */
export const ANSWER: AnswerSink<AnsweredRequest> = { complete: (answer) => answer };

/** `answered` put through `sink` (on the paths that are not the usual request; a closure is fine there). */
export function finish<T>(answered: Promise<AnsweredRequest>, sink: AnswerSink<T>): Promise<T> {
  if (sink === (ANSWER as AnswerSink<unknown>)) return answered as Promise<unknown> as Promise<T>;
  return answered.then((answer) => sink.complete(answer));
}
