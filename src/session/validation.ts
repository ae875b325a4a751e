import { Consistency } from '../../protocol/index.js';
import { InvalidArgumentError } from '../errors/driver-errors.js';
import { isLogger } from '../observability/log.js';
import type { BatchOptions, BatchStatement, ClientOptions, ConcurrentOptions, ExecuteOptions, ExecutionProfile, ScanOptions, StreamOptions } from './options.js';
import { PreparedStatement } from './prepared.js';

// Every option is checked once, where it enters: a bad value is an InvalidArgumentError that
// names the option, before anything is sent; never a hang, a bare TypeError or a silent
// fallback. JavaScript callers are why this exists: TypeScript already rejects most of these.

const MAX_INT32 = 2 ** 31 - 1;
const CONSISTENCY_VALUES: ReadonlySet<number> = new Set(Object.values(Consistency));
const SERIAL_VALUES: ReadonlySet<number> = new Set([Consistency.SERIAL, Consistency.LOCAL_SERIAL]);

function fail(name: string, expected: string, value: unknown): never {
  throw new InvalidArgumentError(`${name} must be ${expected}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function bool(name: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'boolean') fail(name, 'a boolean', v);
}

function str(name: string, v: unknown): void {
  if (v !== undefined && (typeof v !== 'string' || v === '')) fail(name, 'a non-empty string', v);
}

function fn(name: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'function') fail(name, 'a function', v);
}

function int(name: string, v: unknown, min: number, max: number): void {
  if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max)) fail(name, `an integer in ${min}..${max}`, v);
}

/** Milliseconds: a finite number in 0..2^31-1 (0 disables where the option says so). */
function millis(name: string, v: unknown): void {
  if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_INT32)) fail(name, `a number of milliseconds in 0..${MAX_INT32}`, v);
}

function bytes(name: string, v: unknown): void {
  if (v !== undefined && !(v instanceof Uint8Array)) fail(name, 'a Buffer or Uint8Array', v);
}

function consistency(name: string, v: unknown, allowed: ReadonlySet<number> = CONSISTENCY_VALUES): void {
  if (v === undefined) return;
  const value = typeof v === 'string' ? (Consistency as Readonly<Record<string, number>>)[v] : v;
  if (typeof value !== 'number' || !allowed.has(value)) {
    const names = Object.entries(Consistency).filter(([, n]) => allowed.has(n)).map(([k]) => k);
    fail(name, `a consistency level (${names.join(', ')})`, v);
  }
}

function withMethod(name: string, v: unknown, method: string): void {
  if (v !== undefined && !(typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)[method] === 'function')) fail(name, `an object with a ${method}() method`, v);
}

/** The option names of a profile's fields under one prefix, made once (not per request). */
interface ProfileNames {
  readonly consistency: string;
  readonly serialConsistency: string;
  readonly timeoutMs: string;
  readonly fetchSize: string;
  readonly retryPolicy: string;
  readonly loadBalancingPolicy: string;
  readonly speculativeExecutionPolicy: string;
}

function profileNames(prefix: string): ProfileNames {
  return {
    consistency: `${prefix}consistency`,
    serialConsistency: `${prefix}serialConsistency`,
    timeoutMs: `${prefix}timeoutMs`,
    fetchSize: `${prefix}fetchSize`,
    retryPolicy: `${prefix}retryPolicy`,
    loadBalancingPolicy: `${prefix}loadBalancingPolicy`,
    speculativeExecutionPolicy: `${prefix}speculativeExecutionPolicy`,
  };
}

const EXECUTE_NAMES = profileNames('options.');
const EXECUTE_PROFILE_NAMES = profileNames('options.profile.');

function profile(names: ProfileNames, p: ExecutionProfile): void {
  consistency(names.consistency, p.consistency);
  consistency(names.serialConsistency, p.serialConsistency, SERIAL_VALUES);
  millis(names.timeoutMs, p.timeoutMs);
  int(names.fetchSize, p.fetchSize, 1, MAX_INT32);
  withMethod(names.retryPolicy, p.retryPolicy, 'onError');
  withMethod(names.loadBalancingPolicy, p.loadBalancingPolicy, 'newQueryPlan');
  withMethod(names.speculativeExecutionPolicy, p.speculativeExecutionPolicy, 'nextDelayMs');
}

/** Check the options of one execute / stream / batch / prepare call. */
export function validateExecuteOptions(options: ExecuteOptions): void {
  if (!isPlainObject(options)) fail('options', 'an object', options);
  profile(EXECUTE_NAMES, options);
  bool('options.prepare', options.prepare);
  bool('options.idempotent', options.idempotent);
  bool('options.trace', options.trace);
  if (options.timestamp !== undefined && typeof options.timestamp !== 'bigint' && !(options.timestamp instanceof Date && Number.isFinite(options.timestamp.getTime()))) {
    fail('options.timestamp', 'a bigint (microseconds) or a valid Date', options.timestamp);
  }
  bytes('options.pagingState', options.pagingState);
  if (options.customPayload !== undefined) {
    if (!isPlainObject(options.customPayload)) fail('options.customPayload', 'an object of Buffer (or null) values', options.customPayload);
    for (const [k, v] of Object.entries(options.customPayload)) if (v !== null && !(v instanceof Uint8Array)) fail(`options.customPayload.${k}`, 'a Buffer, Uint8Array or null', v);
  }
  if (options.profile !== undefined) {
    if (typeof options.profile === 'string') str('options.profile', options.profile);
    else if (isPlainObject(options.profile)) profile(EXECUTE_PROFILE_NAMES, options.profile);
    else fail('options.profile', 'a profile name or an execution profile object', options.profile);
  }
  str('options.host', options.host);
  str('options.executeAs', options.executeAs);
  str('options.keyspace', options.keyspace);
  int('options.nowInSeconds', options.nowInSeconds, -(2 ** 31), MAX_INT32);
  if (options.hints !== undefined && !Array.isArray(options.hints)) fail('options.hints', 'an array of CQL types', options.hints);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) fail('options.signal', 'an AbortSignal', options.signal);
  if (options.routingKey !== undefined && !(options.routingKey instanceof Uint8Array) && !(Array.isArray(options.routingKey) && options.routingKey.every((k) => k instanceof Uint8Array))) {
    fail('options.routingKey', 'a Buffer or an array of Buffers', options.routingKey);
  }
  str('options.routingKeyspace', options.routingKeyspace);
}

/** Check the stream controls of `stream()` (its execute options are checked with the first page). */
export function validateStreamOptions(options: StreamOptions): void {
  validateExecuteOptions(options);
  int('options.maxPages', options.maxPages, 1, Number.MAX_SAFE_INTEGER);
  fn('options.onPage', options.onPage);
  yieldAfter(options.yieldAfterMs);
}

function yieldAfter(v: unknown): void {
  if (v !== undefined && !(typeof v === 'number' && v >= 0)) fail('options.yieldAfterMs', 'a number >= 0 (Infinity never yields)', v);
}

/** Check a batch's statements and options. */
export function validateBatch(statements: readonly BatchStatement[], options: BatchOptions): void {
  validateExecuteOptions(options);
  if (options.type !== undefined && options.type !== 'logged' && options.type !== 'unlogged' && options.type !== 'counter') fail('options.type', "'logged', 'unlogged' or 'counter'", options.type);
  if (!Array.isArray(statements) || statements.length === 0) fail('statements', 'a non-empty array', statements);
  statements.forEach((s, i) => {
    if (!isPlainObject(s)) fail(`statements[${i}]`, 'an object { query, params? }', s);
    if (typeof s.query !== 'string' && !(s.query instanceof PreparedStatement)) fail(`statements[${i}].query`, 'CQL text or a PreparedStatement', s.query);
    validateParams(s.params, `statements[${i}].params`);
  });
}

/** Bound values: an array, an object keyed by marker name, or nothing (undefined or null). */
export function validateParams(params: unknown, name = 'params'): void {
  if (params !== undefined && params !== null && typeof params !== 'object') fail(name, 'an array, an object of named values, or undefined', params);
}

/** The query argument: CQL text or a prepared statement. */
export function validateQuery(query: unknown): void {
  if (!(typeof query === 'string' && query !== '') && !(query instanceof PreparedStatement)) fail('query', 'CQL text or a PreparedStatement', query);
}

/** The text of a statement to prepare. */
export function validateCqlText(query: unknown): void {
  if (typeof query !== 'string' || query === '') fail('query', 'CQL text', query);
}

/** Check every field of the client's options, before anything is opened. */
export function validateClientOptions(options: ClientOptions): void {
  if (!isPlainObject(options)) fail('options', 'an object', options);
  if (!Array.isArray(options.contactPoints) || options.contactPoints.length === 0) fail('contactPoints', 'a non-empty array of "host" or "host:port" strings', options.contactPoints);
  options.contactPoints.forEach((cp, i) => str(`contactPoints[${i}]`, cp));
  int('port', options.port, 1, 65535);
  str('keyspace', options.keyspace);
  if (options.credentials !== undefined && !(isPlainObject(options.credentials) && typeof options.credentials.username === 'string' && typeof options.credentials.password === 'string')) {
    fail('credentials', 'an object { username, password } of strings', options.credentials);
  }
  withMethod('authProvider', options.authProvider, 'newAuthenticator');
  if (options.tls !== undefined && typeof options.tls !== 'boolean' && !isPlainObject(options.tls)) fail('tls', 'a boolean or Node TLS options', options.tls);
  if (options.compression !== undefined && options.compression !== 'lz4' && options.compression !== 'none') fail('compression', "'lz4' or 'none'", options.compression);
  if (options.protocolVersion !== undefined && options.protocolVersion !== 4 && options.protocolVersion !== 5) fail('protocolVersion', '4 or 5', options.protocolVersion);
  int('connectionsPerHost', options.connectionsPerHost, 1, 1024);
  int('maxRequestsPerConnection', options.maxRequestsPerConnection, 1, 32768);
  int('maxQueuedPerConnection', options.maxQueuedPerConnection, 0, MAX_INT32);
  millis('connectTimeoutMs', options.connectTimeoutMs);
  millis('heartbeatIntervalMs', options.heartbeatIntervalMs);
  profile(profileNames(''), options);
  if (options.profiles !== undefined) {
    if (!isPlainObject(options.profiles)) fail('profiles', 'an object of execution profiles by name', options.profiles);
    for (const [name, p] of Object.entries(options.profiles)) {
      if (!isPlainObject(p)) fail(`profiles.${name}`, 'an execution profile object', p);
      profile(profileNames(`profiles.${name}.`), p);
    }
  }
  withMethod('reconnectionPolicy', options.reconnectionPolicy, 'newSchedule');
  int('preparedCacheSize', options.preparedCacheSize, 1, MAX_INT32);
  int('maxFrameSize', options.maxFrameSize, 9, MAX_INT32);
  fn('socketFactory', options.socketFactory);
  if (options.int64 !== undefined && options.int64 !== 'bigint' && options.int64 !== 'long' && typeof options.int64 !== 'function') {
    fail('int64', "'bigint', 'long' or a function (low, high) => value", options.int64);
  }
  if (options.timestampAs !== undefined && options.timestampAs !== 'date' && options.timestampAs !== 'bigint') fail('timestampAs', "'date' or 'bigint'", options.timestampAs);
  if (options.offload !== undefined) {
    if (!isPlainObject(options.offload)) fail('offload', 'an object { workers, minBytes? }', options.offload);
    int('offload.workers', options.offload.workers, 0, 64);
    if (options.offload.minBytes !== undefined && !(typeof options.offload.minBytes === 'number' && Number.isFinite(options.offload.minBytes) && options.offload.minBytes >= 0)) {
      fail('offload.minBytes', 'a number >= 0', options.offload.minBytes);
    }
    const url: unknown = options.offload.workerUrl;
    if (url !== undefined && !(url instanceof URL) && !(typeof url === 'string' && url !== '')) fail('offload.workerUrl', 'a file: URL or a path', url);
  }
  str('localDataCenter', options.localDataCenter);
  withMethod('addressTranslator', options.addressTranslator, 'translate');
  bool('controlConnection', options.controlConnection);
  millis('maxSchemaAgreementWaitMs', options.maxSchemaAgreementWaitMs);
  bool('prepareOnAllHosts', options.prepareOnAllHosts);
  bool('reprepareOnUp', options.reprepareOnUp);
  if (options.timestampGenerator !== null) withMethod('timestampGenerator', options.timestampGenerator, 'next');
  if (options.logger !== undefined && !isLogger(options.logger)) fail('logger', 'an object with debug, info, warn and error methods', options.logger);
  validateThrottle(options.throttle);
}

/** `throttle`: a RequestThrottle, or the options of an AdaptiveThrottle. */
function validateThrottle(t: ClientOptions['throttle']): void {
  if (t === undefined) return;
  if (!isPlainObject(t)) fail('throttle', 'throttle options or a RequestThrottle', t);
  if ('acquire' in t) {
    for (const m of ['acquire', 'release', 'onAttemptError', 'snapshot']) withMethod('throttle', t, m);
    return;
  }
  int('throttle.maxConcurrent', t.maxConcurrent, 1, MAX_INT32);
  int('throttle.minConcurrent', t.minConcurrent, 1, MAX_INT32);
  int('throttle.maxQueued', t.maxQueued, 0, MAX_INT32);
  positive('throttle.maxPerSecond', t.maxPerSecond);
  if (t.backoffFactor !== undefined && !(typeof t.backoffFactor === 'number' && t.backoffFactor > 0 && t.backoffFactor < 1)) fail('throttle.backoffFactor', 'a number between 0 and 1', t.backoffFactor);
  millis('throttle.backoffIntervalMs', t.backoffIntervalMs);
  bool('throttle.adaptive', t.adaptive);
}

function positive(name: string, v: unknown): void {
  if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) fail(name, 'a number > 0', v);
}

/** Check the options of `executeConcurrent`. */
export function validateConcurrentOptions(options: ConcurrentOptions): void {
  validateExecuteOptions(options);
  int('options.concurrency', options.concurrency, 1, 1 << 20);
  int('options.maxBytesInFlight', options.maxBytesInFlight, 1, Number.MAX_SAFE_INTEGER);
  bool('options.raiseOnFirstError', options.raiseOnFirstError);
  int('options.maxErrors', options.maxErrors, 0, Number.MAX_SAFE_INTEGER);
  bool('options.collectResults', options.collectResults);
  fn('options.onProgress', options.onProgress);
  millis('options.progressIntervalMs', options.progressIntervalMs);
}

/** Check the options of `scan`. */
export function validateScanOptions(keyspace: unknown, table: unknown, options: ScanOptions): void {
  str('keyspace', keyspace);
  str('table', table);
  validateExecuteOptions(options);
  if (options.columns !== undefined && !(Array.isArray(options.columns) && options.columns.length > 0 && options.columns.every((c) => typeof c === 'string' && c !== ''))) {
    fail('options.columns', 'a non-empty array of column names', options.columns);
  }
  str('options.where', options.where);
  if (options.whereParams !== undefined && !Array.isArray(options.whereParams)) fail('options.whereParams', 'an array', options.whereParams);
  bool('options.allowFiltering', options.allowFiltering);
  int('options.parallelism', options.parallelism, 1, 4096);
  int('options.splitsPerHost', options.splitsPerHost, 1, 1 << 16);
  int('options.maxAttemptsPerPage', options.maxAttemptsPerPage, 1, 1000);
  yieldAfter(options.yieldAfterMs);
  const r = options.resumeFrom;
  if (r !== undefined) {
    if (!isPlainObject(r) || r.version !== 1 || !Array.isArray(r.splits) || typeof r.fetchSize !== 'number') fail('options.resumeFrom', 'a checkpoint from scan.checkpoint()', r);
    if (r.keyspace !== keyspace || r.table !== table) fail('options.resumeFrom', `a checkpoint of ${String(keyspace)}.${String(table)}`, `${String(r.keyspace)}.${String(r.table)}`);
  }
}
