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
export * from './types/datatypes.js';
export * from './types/values.js';
export * from './types/option.js';
export * from './types/codec.js';
export * from './types/guess.js';
// --- frames, segments, compression
export * from './crc.js';
export * from './lz4.js';
export * from './compression.js';
export * from './frame.js';
export * from './segment.js';
export * from './decoder.js';
// --- messages
export * from './messages/index.js';
