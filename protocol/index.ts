/**
 * cqlwire/protocol — a pure, synchronous codec for the CQL native protocol v4 and v5.
 * No sockets, timers or threads: usable by drivers, proxies, fake servers and tools.
 * @packageDocumentation
 */
// --- primitives
export * from './errors.js';
export * from './constants.js';
export * from './buffer.js';
// --- types (values <-> bytes)
export * from './types/datatype.js';
// --- frames, segments, compression
// --- messages
