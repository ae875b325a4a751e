/**
 * The driver's second door into the codec: what src/ needs beyond the public API of
 * `index.ts`. Not published — package.json "exports" has no entry for it — so these names can
 * change with the driver. Public names come from `index.ts`, never from here; each name below is
 * also on the allow-list in test/protocol/boundaries.test.ts, so adding one is a deliberate act.
 * @packageDocumentation
 */

// Deferred v5 frames: a SegmentDecoder leaves a large frame's segments unverified and
// compressed so that a worker thread (src/offload) finishes them.
export { completeDeferredFrame, verifyUncompressedDeferred } from './decoder.js';
export type { DeferredSegment } from './frame.js';

// The metadata (paging state included) of a Rows body from its first bytes, before the rows
// are decoded elsewhere.
export { peekRowsHeader } from './messages/response/result.js';

// The row-at-a-time reader behind the driver's streaming results, and the cell table an
// offload worker computes so that the reader builds rows without walking the cells again.
export { RowReader, cellTable } from './messages/response/rows.js';
