// The server side of bench/burst/burst.ts: the project's fake server in its own process (so its
// work does not show as the client's event-loop delay), answering a prepared INSERT.
import { DataTypes } from '../../protocol/index.js';
import { FakeServer } from '../../src/testing/index.js';

const server = await FakeServer.start({ versions: [5] });
server.statement('INSERT INTO ks.t (k, v) VALUES (?, ?)', { variables: [{ name: 'k', type: DataTypes.int }, { name: 'v', type: DataTypes.text }] });
process.stdout.write(`${server.port}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
