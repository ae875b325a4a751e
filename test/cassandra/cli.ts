// npm run cassandra -- <command>: a local Apache Cassandra 5.0 from Maven Central jars.
// Run with: node --import tsx test/cassandra/cli.ts <command> [options]
import { parseArgs } from 'node:util';
import { dockerEngineAnswers, dockerRequested } from './docker.js';
import { LauncherError } from './errors.js';
import {
  CASSANDRA_VERSION,
  DEFAULT_INSTANCE,
  describe,
  instanceInfo,
  killNode,
  logs,
  restartNode,
  start,
  status,
  stop,
  stopAll,
  type InstanceInfo,
} from './launcher.js';

const USAGE = `usage: npm run cassandra -- <command> [options]

commands:
  start [--nodes 1|3] [--auth] [--tls]   start (or keep) instance; prints contact points
        [--dcs D]                        D data centers dc1..dcD of --nodes nodes each
        [--name N] [--address IP]        instance name (default main) and node-1 address
        [--heap SIZE] [--fresh]          per-node heap (1g / 768m / 512m), wipe data first
        [--system durable|fast]          system tables flushed as in production (default with
                                         several nodes) or not (default for one: quicker DDL,
                                         but a killed node forgets recent schema)
  stop [--name N | --all]                SIGTERM (SIGKILL after 30 s), wait for ports to close
  status [--name N]                      nodes, pids, CQL answering, RSS
  logs [n] [--lines K] [--name N]        last K (50) lines of node n's system.log
  kill <n> [--name N]                    SIGKILL node n
  restart <n> [--name N]                 restart node n and wait for CQL and the ring (the
                                         nodes that are up; others may stay down)
  env [--name N]                         shell exports for tests (contact points, CA path)

Cassandra ${CASSANDRA_VERSION}; state in ~/.cache/cqlwire (override: CQLWIRE_HOME).`;

const say = (line: string): void => {
  process.stderr.write(`cassandra: ${line}\n`);
};

function printInfo(i: InstanceInfo): void {
  console.log(`contact points: ${i.contactPoints.join(',')}`);
  if (i.dcs > 1) {
    const byDc = new Map<string, string[]>();
    i.dataCenters.forEach((dc, k) => byDc.set(dc, [...(byDc.get(dc) ?? []), i.contactPoints[k]!]));
    console.log(`data centers: ${[...byDc].map(([dc, points]) => `${dc} ${points.join(',')}`).join('; ')}`);
  }
  if (i.tlsCaPath) console.log(`tls ca: ${i.tlsCaPath}`);
  if (i.credentials) console.log(`superuser: ${i.credentials.username}/${i.credentials.password}`);
}

function envLines(i: InstanceInfo): string[] {
  const main = i.name === DEFAULT_INSTANCE;
  // Several DCs: the dc suite's own variables, so they do not replace the main cluster's.
  const lines =
    i.dcs > 1
      ? [`export CQLWIRE_DC_CONTACT_POINTS=${i.contactPoints.join(',')}`, `export CQLWIRE_DC_INSTANCE=${i.name}`]
      : [
          i.auth && !main
            ? `export CQLWIRE_AUTH_CONTACT_POINT=${i.contactPoints[0]}`
            : `export CQLWIRE_CONTACT_POINTS=${i.contactPoints.join(',')}`,
        ];
  if (i.tlsCaPath) lines.push(`export CQLWIRE_TLS_CA=${i.tlsCaPath}`);
  return lines;
}

function nodeIndex(v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new LauncherError(`expected a node number (1, 2, 3...), got '${v ?? ''}'`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      nodes: { type: 'string' },
      dcs: { type: 'string' },
      system: { type: 'string' },
      auth: { type: 'boolean' },
      tls: { type: 'boolean' },
      name: { type: 'string' },
      address: { type: 'string' },
      heap: { type: 'string' },
      fresh: { type: 'boolean' },
      all: { type: 'boolean' },
      lines: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [cmd, arg] = positionals;
  const name = values.name ?? DEFAULT_INSTANCE;
  if (values.help || !cmd) {
    console.log(USAGE);
    return;
  }
  if (dockerRequested() && cmd === 'start') {
    throw new LauncherError(
      dockerEngineAnswers()
        ? 'CQLWIRE_CASSANDRA=docker: with a Docker engine the integration global setup starts Cassandra through testcontainers; this CLI only runs the JDK launcher (unset CQLWIRE_CASSANDRA)'
        : "CQLWIRE_CASSANDRA=docker but no Docker engine answers ('docker info' failed); unset CQLWIRE_CASSANDRA to use the JDK launcher",
    );
  }
  switch (cmd) {
    case 'start': {
      const nodes = values.nodes === undefined ? 1 : Number(values.nodes);
      const r = await start({
        name,
        nodes,
        ...(values.dcs !== undefined ? { dcs: Number(values.dcs) } : {}),
        ...(values.system !== undefined ? { system: values.system as 'durable' | 'fast' } : {}),
        auth: values.auth ?? false,
        tls: values.tls ?? false,
        ...(values.address ? { address: values.address } : {}),
        ...(values.heap ? { heap: values.heap } : {}),
        fresh: values.fresh ?? false,
        log: say,
      });
      say(
        r.alreadyRunning
          ? `instance '${r.name}' already running (${describe(r)})`
          : `instance '${r.name}' up in ${(r.elapsedMs / 1000).toFixed(1)} s (${describe(r)})`,
      );
      printInfo(r);
      return;
    }
    case 'stop': {
      const n = values.all ? await stopAll({ log: say }) : await stop(name, { log: say });
      say(n === 0 ? 'nothing was running' : `stopped ${n} node${n === 1 ? '' : 's'}`);
      return;
    }
    case 'status': {
      const all = await status(values.name);
      if (all.length === 0) {
        console.log('no cqlwire Cassandra instance (npm run cassandra -- start)');
        return;
      }
      for (const i of all) {
        const up = i.nodeStatus.filter((n) => n.cqlAnswers).length;
        console.log(`${i.name}: ${describe(i)}, Cassandra ${i.version} — ${up}/${i.nodes} answering CQL`);
        for (const n of i.nodeStatus) {
          const state = n.cqlAnswers ? 'UP' : n.running ? 'STARTING/UNRESPONSIVE' : 'DOWN';
          const extra = n.pid !== undefined ? ` pid ${n.pid}${n.rssMiB !== undefined ? `, rss ${n.rssMiB} MiB` : ''}` : '';
          console.log(`  node ${n.index} ${n.address}:9042${i.dcs > 1 ? ` ${i.dataCenters[n.index - 1]}` : ''} ${state}${extra}`);
        }
        if (up > 0) printInfo(i);
      }
      return;
    }
    case 'logs': {
      const lines = values.lines === undefined ? 50 : Number(values.lines);
      console.log(logs(name, arg === undefined ? 1 : nodeIndex(arg), lines));
      return;
    }
    case 'kill': {
      const killed = await killNode(name, nodeIndex(arg), { log: say });
      say(killed ? `node ${arg} killed` : `node ${arg} was not running`);
      return;
    }
    case 'restart': {
      const r = await restartNode(name, nodeIndex(arg), { log: say });
      say(`node ${arg} up in ${(r.elapsedMs / 1000).toFixed(1)} s`);
      printInfo(r);
      return;
    }
    case 'env': {
      const i = instanceInfo(name);
      if (!i) throw new LauncherError(`no cqlwire instance '${name}'`);
      console.log(envLines(i).join('\n'));
      return;
    }
    default:
      throw new LauncherError(`unknown command '${cmd}'\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: unknown) => {
    if (e instanceof LauncherError) {
      process.stderr.write(`cassandra: error: ${e.message}\n`);
      if (e.details) process.stderr.write(`${e.details}\n`);
    } else {
      process.stderr.write(`cassandra: error: ${e instanceof Error ? e.message : String(e)}\n`);
    }
    process.exit(1);
  },
);
