// Programmatic API of the local Cassandra launcher, shared by the CLI (`npm run cassandra`),
// the integration tests' global setup, CI and the demo.
//
// An *instance* is a named cluster with its own state dir (~/.cache/cqlwire/run/<name>):
// 'main' is the default, 1 node on 127.0.0.1 or 3 nodes on 127.0.0.1-3; others (e.g. 'auth' on
// 127.0.0.4) can run beside it on other loopback addresses. Nodes are detached JVMs: they keep
// running after the process that started them exits; pid files + /proc identify them again.
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  addressPlus,
  cassandraYaml,
  javaArgs,
  logbackXml,
  dcOf,
  dcTokens,
  nodePaths,
  rackdcProperties,
  type InstanceSpec,
  type NodeSpec,
  type SystemMode,
} from './config.js';
import { ensureCassandraJars } from './deps.js';
import { LauncherError } from './errors.js';
import { CASSANDRA_VERSION, CQL_PORT, STORAGE_PORT, instanceDir, runRoot, tlsCaPemPath } from './paths.js';
import { optionsAnswers, startupProbe, tcpAnswers } from './probe.js';
import { ensureTls, type TlsMaterial } from './tls.js';
import { checkJava } from './tools.js';

export { CASSANDRA_VERSION, CQL_PORT, LauncherError, tlsCaPemPath };

export const DEFAULT_INSTANCE = 'main';
export const DEFAULT_ADDRESS = '127.0.0.1';
export const SUPERUSER = { username: 'cassandra', password: 'cassandra' } as const;

export interface StartOptions {
  /** Instance name (state dir), default 'main'. */
  name?: string;
  /** Number of nodes (per data center with `dcs`), 1 (default) or 3 (any 1..9 in all works). */
  nodes?: number;
  /**
   * Number of data centers (default 1, named 'datacenter1'). With several, DCs are named dc1,
   * dc2...; each has `nodes` nodes, numbered on: `dcs: 2, nodes: 2` gives nodes 1-2 in dc1 and
   * 3-4 in dc2. The seeds are the first node of each DC.
   */
  dcs?: number;
  /** System tables: 'durable' (default with several nodes) or 'fast' (default for one node); see config.ts. */
  system?: SystemMode;
  /** Address of node 1; node N gets address + N-1. Default 127.0.0.1. */
  address?: string;
  /** PasswordAuthenticator + CassandraAuthorizer, superuser cassandra/cassandra. */
  auth?: boolean;
  /** client_encryption_options enabled with optional: true (TLS and plain on the same port). */
  tls?: boolean;
  /** -Xmx per node; default 1g for one node, 768m for 2-3, 512m for more. */
  heap?: string;
  /** Wipe the instance's data before starting. */
  fresh?: boolean;
  /** Per-node start timeout (default 180 s, or $CQLWIRE_START_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Progress lines (the CLI prints them; default: silent). */
  log?: (line: string) => void;
}

export interface InstanceInfo {
  name: string;
  /** Nodes in all data centers. */
  nodes: number;
  /** Number of data centers. */
  dcs: number;
  system: SystemMode;
  address: string;
  auth: boolean;
  tls: boolean;
  heap: string;
  version: string;
  /** Node addresses, node 1 (the seed) first. */
  addresses: string[];
  /** Data center of each node, in the order of `addresses`. */
  dataCenters: string[];
  port: number;
  /** 'address:9042' per node. */
  contactPoints: string[];
  /** PEM of the CA that signed the nodes' certificate, when tls. */
  tlsCaPath?: string;
  /** Superuser credentials, when auth. */
  credentials?: { username: string; password: string };
  dir: string;
}

export interface StartResult extends InstanceInfo {
  /** True when every node was already up with this configuration: nothing was started. */
  alreadyRunning: boolean;
  /** Node indexes (1-based) this call started. */
  startedNodes: number[];
  elapsedMs: number;
}

export interface NodeStatus {
  index: number;
  address: string;
  pid?: number;
  /** The JVM is alive. */
  running: boolean;
  /** An OPTIONS request on address:9042 got SUPPORTED. */
  cqlAnswers: boolean;
  /** Resident set size of the JVM in MiB (Linux only). */
  rssMiB?: number;
  systemLog: string;
}

export interface InstanceStatus extends InstanceInfo {
  nodeStatus: NodeStatus[];
}

interface Stored {
  name: string;
  /** Nodes in all DCs. */
  nodes: number;
  /** Absent in state written before multi-DC support: 1. */
  dcs?: number;
  /** Absent in older state: the default for the node count. */
  system?: SystemMode;
  address: string;
  auth: boolean;
  tls: boolean;
  heap: string;
  version: string;
}

const noop = (): void => {};

function envMs(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

function validateName(name: string): string {
  if (!/^[a-z0-9][a-z0-9_-]{0,31}$/i.test(name)) throw new LauncherError(`bad instance name '${name}' (letters, digits, - and _)`);
  return name;
}

function storedPath(name: string): string {
  return join(instanceDir(name), 'instance.json');
}

function readStored(name: string): Stored | undefined {
  try {
    return JSON.parse(readFileSync(storedPath(name), 'utf8')) as Stored;
  } catch {
    return undefined;
  }
}

const dcsOf = (s: Pick<Stored, 'dcs'>): number => s.dcs ?? 1;
const systemOf = (s: Pick<Stored, 'system' | 'nodes'>): SystemMode => s.system ?? (s.nodes > 1 ? 'durable' : 'fast');

function info(s: Stored): InstanceInfo {
  const addresses = Array.from({ length: s.nodes }, (_, i) => addressPlus(s.address, i));
  const specs = nodeSpecs(s);
  const out: InstanceInfo = {
    ...s,
    dcs: dcsOf(s),
    system: systemOf(s),
    addresses,
    dataCenters: specs.map((n) => n.dc),
    port: CQL_PORT,
    contactPoints: addresses.map((a) => `${a}:${CQL_PORT}`),
    dir: instanceDir(s.name),
  };
  if (s.tls) out.tlsCaPath = tlsCaPemPath();
  if (s.auth) out.credentials = { ...SUPERUSER };
  return out;
}

function nodeSpecs(s: Stored): NodeSpec[] {
  const dcs = dcsOf(s);
  const perDc = s.nodes / dcs;
  const tokens = dcTokens(dcs, perDc);
  return tokens.map((token, i) => ({
    index: i + 1,
    address: addressPlus(s.address, i),
    dc: dcOf(i + 1, dcs, perDc),
    dir: join(instanceDir(s.name), `node${i + 1}`),
    token,
  }));
}

function instSpec(s: Stored): InstanceSpec {
  const perDc = s.nodes / dcsOf(s);
  // The first node of each DC: a DC whose peers are all down can still restart from its own seed.
  const seeds = Array.from({ length: dcsOf(s) }, (_, d) => `${addressPlus(s.address, d * perDc)}:${STORAGE_PORT}`).join(',');
  return { name: s.name, nodes: s.nodes, auth: s.auth, tls: s.tls, heap: s.heap, seeds, system: systemOf(s) };
}

// ---------------------------------------------------------------- processes

function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** The pid of node `index` of instance `name` if that JVM is alive (pid file + /proc check). */
function livePid(name: string, node: NodeSpec): number | undefined {
  const pidFile = nodePaths(node.dir).pid;
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  if (existsSync('/proc/self/cmdline')) {
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return undefined;
    }
    if (!cmd.includes(`-Dcqlwire.node=${name}/${node.index}\0`)) return undefined; // pid reused
    if (procState(pid) === 'Z') return undefined;
  }
  return pid;
}

function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

async function waitDead(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let alive = true;
    try {
      process.kill(pid, 0);
      if (procState(pid) === 'Z') alive = false;
    } catch {
      alive = false;
    }
    if (!alive) return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}

async function waitPortsClosed(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = (await tcpAnswers(address, CQL_PORT, 300)) || (await tcpAnswers(address, STORAGE_PORT, 300));
    if (!open) return;
    await sleep(200);
  }
  throw new LauncherError(`ports ${CQL_PORT}/${STORAGE_PORT} on ${address} still answer ${timeoutMs} ms after the node stopped`);
}

/** SIGTERM, then SIGKILL after the timeout; waits until the node's ports are closed. */
async function stopNode(name: string, node: NodeSpec, log: (l: string) => void, hard = false): Promise<boolean> {
  const pid = livePid(name, node);
  if (pid === undefined) {
    rmSync(nodePaths(node.dir).pid, { force: true });
    return false;
  }
  log(`${hard ? 'killing' : 'stopping'} node ${node.index} (${node.address}, pid ${pid})`);
  process.kill(pid, hard ? 'SIGKILL' : 'SIGTERM');
  if (!(await waitDead(pid, hard ? 10_000 : envMs('CQLWIRE_STOP_TIMEOUT_MS', 30_000)))) {
    log(`node ${node.index} did not exit after SIGTERM; sending SIGKILL`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    if (!(await waitDead(pid, 10_000))) throw new LauncherError(`node ${node.index} (pid ${pid}) survives SIGKILL`);
  }
  rmSync(nodePaths(node.dir).pid, { force: true });
  await waitPortsClosed(node.address, 15_000);
  return true;
}

// ---------------------------------------------------------------- logs

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Text of `path` from `offset` to its end, but at most the last `max` bytes of that. */
function readFrom(path: string, offset: number, max = 256 * 1024): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = statSync(path).size;
    const from = Math.max(size < offset ? 0 : offset, size - max);
    const buf = Buffer.alloc(size - from);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Follows a log from an offset and reports which of a set of patterns have appeared since.
 * Reads incrementally (a chatty node can write hundreds of MB; never hold it all).
 */
class LogWatcher {
  private pos: number;
  private carry = '';
  private readonly seen = new Set<string>();

  constructor(
    private readonly path: string,
    offset: number,
    private readonly patterns: Map<string, RegExp>,
  ) {
    this.pos = offset;
  }

  /** Keys of the patterns matched so far. */
  poll(): Set<string> {
    const size = fileSize(this.path);
    if (size < this.pos) {
      this.pos = 0; // truncated or replaced
      this.carry = '';
    }
    let budget = 64 * 1024 * 1024;
    while (this.pos < size && budget > 0) {
      const chunk = readChunk(this.path, this.pos, Math.min(size - this.pos, 4 * 1024 * 1024));
      if (chunk.length === 0) break;
      this.pos += chunk.length;
      budget -= chunk.length;
      const text = this.carry + chunk.toString('utf8');
      const cut = text.lastIndexOf('\n');
      this.carry = cut < 0 ? text : text.slice(cut + 1);
      if (this.carry.length > 64 * 1024) this.carry = this.carry.slice(-64 * 1024);
      const complete = cut < 0 ? '' : text.slice(0, cut);
      for (const [key, re] of this.patterns) if (!this.seen.has(key) && re.test(complete)) this.seen.add(key);
    }
    return this.seen;
  }
}

function readChunk(path: string, pos: number, len: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const buf = Buffer.alloc(len);
    const n = readSync(fd, buf, 0, len, pos);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function tail(path: string, lines: number): string {
  const size = fileSize(path);
  const text = readFrom(path, Math.max(0, size - 256 * 1024));
  // (a partial first line when the file is longer than what was read: harmless for a tail)
  return text.split('\n').filter((l, i, a) => i < a.length - 1 || l.length > 0).slice(-lines).join('\n');
}

function deathReport(node: NodeSpec, offset: number): string {
  const p = nodePaths(node.dir);
  const sys = readFrom(p.systemLog, offset).trimEnd().split('\n').slice(-30).join('\n');
  const out = tail(p.stdoutLog, 15);
  return [
    `--- last lines of ${p.systemLog}`,
    sys || '(empty)',
    `--- last lines of ${p.stdoutLog}`,
    out || '(empty)',
  ].join('\n');
}

// ---------------------------------------------------------------- lock

async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(runRoot(), { recursive: true });
  const lock = join(runRoot(), `${name}.lock`);
  const deadline = Date.now() + envMs('CQLWIRE_LOCK_TIMEOUT_MS', 600_000);
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        /* being created or removed */
      }
      let holderAlive = true;
      if (Number.isInteger(holder) && holder > 0) {
        try {
          process.kill(holder, 0);
        } catch {
          holderAlive = false;
        }
      } else if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 5000) {
        holderAlive = false;
      }
      if (!holderAlive) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new LauncherError(`instance '${name}' is locked by pid ${holder}`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- start

function writeNodeConfig(s: Stored, node: NodeSpec, tls: TlsMaterial | undefined): void {
  const p = nodePaths(node.dir);
  for (const d of [p.conf, p.data, p.logs]) mkdirSync(d, { recursive: true });
  writeFileSync(p.yaml, cassandraYaml(instSpec(s), node, tls));
  writeFileSync(p.logback, logbackXml(node));
  writeFileSync(p.rackdc, rackdcProperties(node));
}

async function ensurePortsFree(s: Stored, node: NodeSpec): Promise<void> {
  for (const port of [CQL_PORT, STORAGE_PORT]) {
    if (await tcpAnswers(node.address, port, 500)) {
      throw new LauncherError(
        `${node.address}:${port} is already taken by another process (not node ${node.index} of cqlwire instance '${s.name}'); stop it, or check 'npm run cassandra -- status'`,
      );
    }
  }
}

function spawnNode(s: Stored, node: NodeSpec, dist: ReturnType<typeof ensureCassandraJars>): number {
  const java = checkJava();
  const p = nodePaths(node.dir);
  const out = openSync(p.stdoutLog, 'a');
  try {
    const child = spawn(java.java, javaArgs(java, dist, instSpec(s), node), {
      cwd: node.dir,
      detached: true,
      stdio: ['ignore', out, out],
    });
    child.on('error', noop);
    if (child.pid === undefined) throw new LauncherError(`could not spawn ${java.java}`);
    writeFileSync(p.pid, `${child.pid}\n`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(out);
  }
}

const CQL_READY = 'Starting listening for CQL clients';

async function waitNodeReady(s: Stored, node: NodeSpec, offset: number, timeoutMs: number): Promise<void> {
  const p = nodePaths(node.dir);
  const deadline = Date.now() + timeoutMs;
  const watcher = new LogWatcher(p.systemLog, offset, new Map([['ready', new RegExp(CQL_READY)]]));
  let logged = false;
  let lastAuthError = '';
  for (;;) {
    if (livePid(s.name, node) === undefined) {
      throw new LauncherError(`node ${node.index} (${node.address}) died during start`, deathReport(node, offset));
    }
    if (!logged) logged = watcher.poll().has('ready');
    if (logged && (await optionsAnswers({ host: node.address, port: CQL_PORT, timeoutMs: 2000 }))) {
      // With several nodes, system_auth data may live on a node not started yet: the superuser
      // login is checked once the whole ring is up (startNodes).
      if (!s.auth || s.nodes > 1) return;
      const r = await startupProbe({ host: node.address, port: CQL_PORT, credentials: { ...SUPERUSER }, timeoutMs: 5000 });
      if (r === 'authenticated') return;
      lastAuthError = typeof r === 'object' ? r.error : r;
    }
    if (Date.now() > deadline) {
      const what = logged ? (s.auth ? `superuser login failing (${lastAuthError})` : 'OPTIONS not answered') : `no '${CQL_READY}' in its log`;
      throw new LauncherError(
        `node ${node.index} (${node.address}) not ready after ${Math.round(timeoutMs / 1000)} s: ${what}`,
        deathReport(node, offset),
      );
    }
    await sleep(250);
  }
}

/** Every node accepts the superuser (multi-node --auth, once the ring is up). */
async function waitSuperuser(s: Stored, nodes: NodeSpec[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const n of nodes) {
    for (;;) {
      const r = await startupProbe({ host: n.address, port: CQL_PORT, credentials: { ...SUPERUSER }, timeoutMs: 5000 });
      if (r === 'authenticated') break;
      if (Date.now() > deadline) {
        throw new LauncherError(`node ${n.index} (${n.address}) does not accept the superuser: ${typeof r === 'object' ? r.error : r}`);
      }
      await sleep(500);
    }
  }
}

function upPattern(address: string): RegExp {
  const a = address.replace(/\./g, '\\.');
  return new RegExp(`/${a}:${STORAGE_PORT} (?:is now UP|has restarted, now UP)`);
}

/** Every node's log (since `offsets`) shows the nodes it must know about as UP. */
async function waitRing(s: Stored, allNodes: NodeSpec[], started: number[], offsets: Map<number, number>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // Nodes that were killed and not started again (several down at once) are not waited for.
  const nodes = allNodes.filter((n) => started.includes(n.index) || livePid(s.name, n) !== undefined);
  const watchers = new Map(
    nodes.map((n) => [
      n.index,
      new LogWatcher(nodePaths(n.dir).systemLog, offsets.get(n.index) ?? 0, new Map(nodes.map((o) => [o.address, upPattern(o.address)]))),
    ]),
  );
  for (;;) {
    const missing: string[] = [];
    for (const n of nodes) {
      const seen = watchers.get(n.index)?.poll() ?? new Set<string>();
      const mustSee = nodes.filter((o) => o.index !== n.index && (started.includes(n.index) || started.includes(o.index)));
      for (const o of mustSee) if (!seen.has(o.address)) missing.push(`${n.index} does not see ${o.index}`);
    }
    if (missing.length === 0) return;
    for (const n of nodes) {
      if (livePid(s.name, n) === undefined) {
        throw new LauncherError(`node ${n.index} (${n.address}) died while the ring formed`, deathReport(n, offsets.get(n.index) ?? 0));
      }
    }
    if (Date.now() > deadline) throw new LauncherError(`ring did not agree in ${Math.round(timeoutMs / 1000)} s: ${missing.join(', ')}`);
    await sleep(250);
  }
}

async function startNodes(s: Stored, which: NodeSpec[], all: NodeSpec[], timeoutMs: number, log: (l: string) => void): Promise<void> {
  const dist = ensureCassandraJars(s.version, log);
  const tls = s.tls ? ensureTls(log) : undefined;
  for (const n of all) writeNodeConfig(s, n, tls);
  for (const n of which) await ensurePortsFree(s, n);
  const offsets = new Map(all.map((n) => [n.index, fileSize(nodePaths(n.dir).systemLog)]));
  for (const n of which) {
    const t0 = Date.now();
    const pid = spawnNode(s, n, dist);
    log(`node ${n.index}: java pid ${pid} on ${n.address}, waiting for CQL on ${n.address}:${CQL_PORT}`);
    await waitNodeReady(s, n, offsets.get(n.index) ?? 0, timeoutMs);
    log(`node ${n.index}: ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  if (all.length > 1) {
    const t0 = Date.now();
    await waitRing(s, all, which.map((n) => n.index), offsets, Math.max(60_000, timeoutMs / 2));
    log(`ring agreed (${all.length} nodes UP in every log) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (s.auth) await waitSuperuser(s, all, Math.max(60_000, timeoutMs / 2));
  }
}

function sameShape(a: Stored, b: Stored): boolean {
  return (
    a.nodes === b.nodes &&
    dcsOf(a) === dcsOf(b) &&
    systemOf(a) === systemOf(b) &&
    a.address === b.address &&
    a.auth === b.auth &&
    a.tls === b.tls &&
    a.heap === b.heap &&
    a.version === b.version
  );
}

/**
 * Starts instance `name` with the given shape and waits until every node serves CQL (and, for
 * several nodes, sees the others UP). Idempotent: all nodes up with the same shape -> no-op.
 * A running instance of another shape is stopped first (a 3-node 'main' replaces the 1-node
 * one); its data is wiped when node count, address or version change.
 */
export async function start(opts: StartOptions = {}): Promise<StartResult> {
  const t0 = Date.now();
  const log = opts.log ?? noop;
  const name = validateName(opts.name ?? DEFAULT_INSTANCE);
  const perDc = opts.nodes ?? 1;
  const dcs = opts.dcs ?? 1;
  if (!Number.isInteger(dcs) || dcs < 1 || dcs > 9) throw new LauncherError(`--dcs must be 1..9 (got ${opts.dcs})`);
  const nodes = perDc * dcs;
  if (!Number.isInteger(perDc) || perDc < 1 || nodes > 9) throw new LauncherError(`--nodes must be 1..9 in all (got ${opts.nodes}${dcs > 1 ? ` per DC × ${dcs} DCs` : ''})`);
  if (opts.system !== undefined && opts.system !== 'durable' && opts.system !== 'fast') throw new LauncherError(`--system must be durable or fast (got ${opts.system})`);
  const want: Stored = {
    name,
    nodes,
    ...(dcs > 1 ? { dcs } : {}),
    ...(opts.system !== undefined ? { system: opts.system } : {}),
    address: opts.address ?? DEFAULT_ADDRESS,
    auth: opts.auth ?? false,
    tls: opts.tls ?? false,
    heap: opts.heap ?? (nodes === 1 ? '1g' : nodes <= 3 ? '768m' : '512m'),
    version: CASSANDRA_VERSION,
  };
  addressPlus(want.address, nodes - 1); // validates
  const timeoutMs = opts.timeoutMs ?? envMs('CQLWIRE_START_TIMEOUT_MS', 180_000);
  checkJava();
  return withLock(name, async () => {
    const prev = readStored(name);
    if (prev) {
      const prevNodes = nodeSpecs(prev);
      const alive = prevNodes.filter((n) => livePid(name, n) !== undefined);
      if (alive.length > 0 && !sameShape(prev, want)) {
        log(`instance '${name}' runs ${describe(prev)}; replacing it with ${describe(want)}`);
        await Promise.all(alive.map((n) => stopNode(name, n, log)));
      } else if (alive.length === prevNodes.length && sameShape(prev, want)) {
        const answering = await Promise.all(alive.map((n) => optionsAnswers({ host: n.address, port: CQL_PORT, timeoutMs: 3000 })));
        if (answering.every(Boolean)) {
          return { ...info(want), alreadyRunning: true, startedNodes: [], elapsedMs: Date.now() - t0 };
        }
        log(`instance '${name}' has live JVMs that do not answer CQL; restarting them`);
        await Promise.all(alive.map((n) => stopNode(name, n, log)));
      }
      const reshaped = prev.nodes !== want.nodes || dcsOf(prev) !== dcsOf(want) || prev.address !== want.address || prev.version !== want.version;
      if (reshaped || opts.fresh) {
        log(`wiping data of instance '${name}'${reshaped ? ` (was ${describe(prev)})` : ''}`);
        for (const n of prevNodes) await stopNode(name, n, log);
        for (const e of readdirSync(instanceDir(name))) if (/^node\d+$/.test(e)) rmSync(join(instanceDir(name), e), { recursive: true, force: true });
      }
    } else if (opts.fresh) {
      rmSync(instanceDir(name), { recursive: true, force: true });
    }
    mkdirSync(instanceDir(name), { recursive: true });
    writeFileSync(storedPath(name), `${JSON.stringify(want, null, 2)}\n`);
    const all = nodeSpecs(want);
    const which = all.filter((n) => livePid(name, n) === undefined);
    log(`starting instance '${name}': ${describe(want)}`);
    await startNodes(want, which, all, timeoutMs, log);
    return { ...info(want), alreadyRunning: false, startedNodes: which.map((n) => n.index), elapsedMs: Date.now() - t0 };
  });
}

export function describe(s: Pick<Stored, 'nodes' | 'address' | 'auth' | 'tls' | 'heap'> & Partial<Pick<Stored, 'dcs' | 'system'>>): string {
  const last = addressPlus(s.address, s.nodes - 1);
  const where = s.nodes === 1 ? s.address : `${s.address}-${last.split('.').pop()}`;
  const dcs = dcsOf(s);
  const shape = dcs > 1 ? `${dcs} DCs × ${s.nodes / dcs} nodes (dc1..dc${dcs})` : `${s.nodes} node${s.nodes === 1 ? '' : 's'}`;
  const system = s.system ?? (s.nodes > 1 ? 'durable' : 'fast');
  return `${shape} on ${where}, heap ${s.heap}, ${system} system tables${s.auth ? ', auth' : ''}${s.tls ? ', tls (optional)' : ''}`;
}

function requireStored(name: string): Stored {
  const s = readStored(validateName(name));
  if (!s) throw new LauncherError(`no cqlwire instance '${name}' (start it with 'npm run cassandra -- start${name === DEFAULT_INSTANCE ? '' : ` --name ${name}`}')`);
  return s;
}

function nodeOf(s: Stored, index: number): NodeSpec {
  const n = nodeSpecs(s).find((x) => x.index === index);
  if (!n) throw new LauncherError(`instance '${s.name}' has nodes 1..${s.nodes}, not ${index}`);
  return n;
}

/** Stops every node of an instance (SIGTERM, SIGKILL after 30 s) and waits for its ports to close. */
export async function stop(name = DEFAULT_INSTANCE, opts: { log?: (l: string) => void } = {}): Promise<number> {
  const log = opts.log ?? noop;
  const s = readStored(validateName(name));
  if (!s) return 0;
  return withLock(name, async () => {
    const stopped = await Promise.all(nodeSpecs(s).map((n) => stopNode(name, n, log)));
    return stopped.filter(Boolean).length;
  });
}

/** Names of every instance that has a state dir. */
export function instances(): string[] {
  try {
    return readdirSync(runRoot())
      .filter((e) => existsSync(storedPath(e)))
      .sort();
  } catch {
    return [];
  }
}

export async function stopAll(opts: { log?: (l: string) => void } = {}): Promise<number> {
  let total = 0;
  for (const name of instances()) total += await stop(name, opts);
  return total;
}

/** SIGKILL of one node (the hard failure used by failover tests); returns once it is gone. */
export async function killNode(name: string, index: number, opts: { log?: (l: string) => void } = {}): Promise<boolean> {
  const s = requireStored(name);
  return withLock(name, () => stopNode(name, nodeOf(s, index), opts.log ?? noop, true));
}

/** Stops node `index` if it runs, starts it again and waits for CQL and the ring. */
export async function restartNode(
  name: string,
  index: number,
  opts: { log?: (l: string) => void; timeoutMs?: number } = {},
): Promise<StartResult> {
  const t0 = Date.now();
  const log = opts.log ?? noop;
  const s = requireStored(name);
  const node = nodeOf(s, index);
  return withLock(name, async () => {
    await stopNode(name, node, log);
    await startNodes(s, [node], nodeSpecs(s), opts.timeoutMs ?? envMs('CQLWIRE_START_TIMEOUT_MS', 180_000), log);
    return { ...info(s), alreadyRunning: false, startedNodes: [index], elapsedMs: Date.now() - t0 };
  });
}

export async function status(name?: string): Promise<InstanceStatus[]> {
  const names = name ? [validateName(name)] : instances();
  const out: InstanceStatus[] = [];
  for (const n of names) {
    const s = readStored(n);
    if (!s) continue;
    const nodeStatus = await Promise.all(
      nodeSpecs(s).map(async (node): Promise<NodeStatus> => {
        const pid = livePid(n, node);
        const st: NodeStatus = {
          index: node.index,
          address: node.address,
          running: pid !== undefined,
          cqlAnswers: pid !== undefined && (await optionsAnswers({ host: node.address, port: CQL_PORT, timeoutMs: 2000 })),
          systemLog: nodePaths(node.dir).systemLog,
        };
        if (pid !== undefined) {
          st.pid = pid;
          const rss = rssMiB(pid);
          if (rss !== undefined) st.rssMiB = rss;
        }
        return st;
      }),
    );
    out.push({ ...info(s), nodeStatus });
  }
  return out;
}

/** Instance metadata (addresses, contact points, CA path) without probing anything. */
export function instanceInfo(name = DEFAULT_INSTANCE): InstanceInfo | undefined {
  const s = readStored(validateName(name));
  return s ? info(s) : undefined;
}

/** Last `lines` lines of node `index`'s system.log. */
export function logs(name: string, index: number, lines = 50): string {
  const s = requireStored(name);
  return tail(nodePaths(nodeOf(s, index).dir).systemLog, lines);
}
