// The bench harness's own arithmetic and output format (the suites themselves are run by hand).
import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { startResponder } from '../../bench/client/responder.js';
import { isNoisy, runLoad, sampleFromJson, sampleToJson, type LoadSample } from '../../bench/lib/machine-load.js';
import { machineInfo } from '../../bench/lib/machine.js';
import { pairRatios, runInterleaved, spread } from '../../bench/lib/runs.js';
import { FrameDecoder, Opcode, SegmentDecoder, Writer, decodeResponse, encodeSegments, writeRequestFrame, type Frame, type Request } from '../../protocol/index.js';
import { measure, median, quantile } from '../../bench/lib/measure.js';
import { resultRow, toMarkdown } from '../../bench/lib/result.js';

describe('bench harness', () => {
  test('median and nearest-rank quantiles', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    const sorted = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(quantile(sorted, 0.5)).toBe(500);
    expect(quantile(sorted, 0.99)).toBe(990);
    expect(quantile(sorted, 0.999)).toBe(999);
  });

  test('a result row carries every issue-7 field, null unless given', () => {
    const r = resultRow({ suite: 's', scenario: 'x', driver: 'd', opsPerSec: 10 });
    expect(Object.keys(r)).toEqual(
      ['suite', 'scenario', 'driver', 'concurrency', 'compression', 'workers', 'opsPerSec', 'rowsPerSec', 'p50Ms', 'p99Ms', 'p999Ms', 'cpuUsPerOp', 'rssMb', 'eventLoopP99Ms'],
    );
    expect(r.rowsPerSec).toBeNull();
    expect(r.opsPerSec).toBe(10);
  });

  test('measure runs warm-up and at least 3 repeats and reports a spread around the median', () => {
    let calls = 0;
    const m = measure(() => calls++, { warmupMs: 5, repeatMs: 10, repeats: 3 });
    expect(m.repeats).toBe(3);
    expect(m.opsPerSecMin).toBeLessThanOrEqual(m.opsPerSec);
    expect(m.opsPerSecMax).toBeGreaterThanOrEqual(m.opsPerSec);
    expect(m.p50Ms).toBeNull();
    expect(calls).toBeGreaterThan(0);
    expect(() => measure(() => 0, { warmupMs: 0, repeatMs: 1, repeats: 2 })).toThrow(RangeError);
  });

  test('markdown starts with the machine and has one row per result, without empty columns', () => {
    const machine = machineInfo({ other: null });
    const md = toMarkdown('t', {
      machine,
      results: [resultRow({ suite: 's', scenario: 'decode', driver: 'cqlwire', opsPerSec: 1234.5, opsPerSecMin: 1200, opsPerSecMax: 1300 })],
    });
    expect(md).toContain(`Node ${process.version}`);
    expect(md).toContain('other (not installed)');
    const table = md.split('\n').filter((l) => l.startsWith('|'));
    expect(table[0]).toBe('| scenario | driver | ops/s | spread (min/max vs median) |');
    expect(table[2]).toBe('| decode | cqlwire | 1,235 | -2.8% / +5.3% |');
  });
});

describe('bench load accounting and interleaving', () => {
  const sample = (at: number, cpu0: [number, number, number], cpu1: [number, number, number], own: number): LoadSample => ({
    at,
    loadAvg1: 1,
    // [busy, irq, total] jiffies per CPU; the machine line is their sum.
    cpus: new Map([
      ['cpu', { busy: cpu0[0] + cpu1[0], irq: cpu0[1] + cpu1[1], total: cpu0[2] + cpu1[2] }],
      ['cpu0', { busy: cpu0[0], irq: cpu0[1], total: cpu0[2] }],
      ['cpu1', { busy: cpu1[0], irq: cpu1[1], total: cpu1[2] }],
    ]),
    ownTicks: own,
  });

  test('other load is the busy time of our CPUs minus our processes, interrupts apart', () => {
    // 1 s; 100 jiffies per CPU-second (CLK_TCK 100 on Linux): cpu0 fully busy, cpu1 half.
    const a = sample(0, [0, 0, 0], [0, 0, 0], 0);
    const b = sample(1000, [100, 0, 100], [40, 10, 100], 110);
    const l = runLoad(a, b, [0, 1]);
    expect(l.cpuBusyPct).toEqual({ cpu0: 100, cpu1: 50 });
    expect(l.ownCores).toBeCloseTo(1.1, 2);
    expect(l.irqCores).toBeCloseTo(0.1, 2);
    expect(l.otherCores).toBeCloseTo(0.3, 2);
    expect(isNoisy(l, 0.2)).toBe(true);
    expect(isNoisy(l, 0.5)).toBe(false);
    // Only cpu1 is ours: other work on cpu0 does not count against the run.
    expect(runLoad(a, sample(1000, [100, 0, 100], [40, 10, 100], 30), [1]).otherCores).toBeCloseTo(0.1, 2);
    // Round trip through the JSON a load process prints.
    expect(runLoad(sampleFromJson(sampleToJson(a)), sampleFromJson(sampleToJson(b)), [0, 1])).toEqual(l);
  });

  test('runs are interleaved across contestants; a noisy run is repeated and the quietest attempt kept', async () => {
    const order: string[] = [];
    const noisyFirst = new Set(['B2']);
    const recs = await runInterleaved<number>({
      scenario: 's',
      contestants: ['A', 'B'],
      runs: 3,
      once: async (who, run) => {
        order.push(`${who}${run}`);
        return run * (who === 'A' ? 2 : 1);
      },
      pids: [],
      cpus: [0],
      maxOtherCores: 0.2,
      maxAttempts: 3,
      retryPauseMs: 0,
      // B's second run is disturbed on its first attempt only.
      measuredLoad: () => {
        const key = order[order.length - 1]!;
        const other = noisyFirst.delete(key) ? 0.9 : 0;
        return { loadAvg1Before: 0, loadAvg1After: 0, machineBusyPct: 0, cpuBusyPct: {}, ownCores: 1, irqCores: 0, otherCores: other, otherMachineCores: other };
      },
      describe: (_who, v) => String(v),
      log: () => undefined,
    });
    expect(order).toEqual(['A1', 'B1', 'A2', 'B2', 'B2', 'A3', 'B3']);
    expect(recs.map((r) => `${r.who}${r.run}:${r.attempts}`)).toEqual(['A1:1', 'B1:1', 'A2:1', 'B2:2', 'A3:1', 'B3:1']);
    expect(recs.every((r) => !r.noisy)).toBe(true);
    // A is twice B in every run: the run-by-run ratio says so exactly.
    expect(pairRatios(recs, 'A', 'B', (v) => v)).toEqual({ median: 2, min: 2, max: 2 });
    expect(spread([3, 1, 2, 10])).toEqual({ median: 2.5, min: 1, max: 10 });
  });
});

describe('bench responder', () => {
  /** Send `bytes`, collect response frames until `count` arrived (v5 segmented after READY when `segmented`). */
  async function exchange(port: number, steps: { bytes: Buffer; count: number; segmented: boolean }[]): Promise<Frame[][]> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const frames = new FrameDecoder();
    const segments = new SegmentDecoder();
    const out: Frame[][] = [];
    try {
      for (const step of steps) {
        const got: Frame[] = [];
        await new Promise<void>((resolve, reject) => {
          const onData = (chunk: Buffer): void => {
            try {
              const dec = step.segmented ? segments : frames;
              dec.push(chunk);
              for (let f = dec.next(); f !== null; f = dec.next()) got.push(f);
              if (got.length >= step.count) {
                socket.off('data', onData);
                resolve();
              }
            } catch (err) {
              reject(err as Error);
            }
          };
          socket.on('data', onData);
          socket.write(step.bytes);
        });
        out.push(got);
      }
    } finally {
      socket.destroy();
    }
    return out;
  }

  const frameOf = (version: 4 | 5, stream: number, req: Request): Buffer => {
    const w = new Writer(256);
    writeRequestFrame(w, version, stream, req);
    return Buffer.from(w.buf.subarray(0, w.offset));
  };

  test.each([4, 5] as const)('v%i: canned replies with each request’s stream id; SELECT rows with and without metadata', async (version) => {
    const server = await startResponder();
    try {
      const port = (server.address() as net.AddressInfo).port;
      const segmented = version === 5;
      const wrap = (b: Buffer): Buffer => (segmented ? Buffer.concat(encodeSegments(b)) : b);
      const [hello, prepared] = await exchange(port, [
        { bytes: Buffer.concat([frameOf(version, 1, { opcode: Opcode.OPTIONS }), frameOf(version, 2, { opcode: Opcode.STARTUP, options: { CQL_VERSION: '3.0.0' } })]), count: 2, segmented: false },
        { bytes: wrap(frameOf(version, 3, { opcode: Opcode.PREPARE, query: 'SELECT key, value FROM bench.kv WHERE key = ?' })), count: 1, segmented },
      ]);
      expect(hello!.map((f) => [f.stream, f.opcode])).toEqual([[1, Opcode.SUPPORTED], [2, Opcode.READY]]);
      const p = decodeResponse(prepared![0]!).message;
      if (p.opcode !== Opcode.RESULT || p.result.kind !== 'prepared') throw new Error('not a prepared result');
      const prep = p.result;
      const exec = (stream: number, skipMetadata: boolean): Buffer =>
        frameOf(version, stream, { opcode: Opcode.EXECUTE, queryId: prep.id, resultMetadataId: prep.resultMetadataId ?? prep.id, params: { consistency: 1, skipMetadata, values: [Buffer.from([0, 0, 0, 1])] } });
      const streams = [300, 7, 32000, 0];
      // A second connection: handshake, then every EXECUTE in one write.
      const [, results] = await exchange(port, [
        { bytes: Buffer.concat([frameOf(version, 1, { opcode: Opcode.OPTIONS }), frameOf(version, 2, { opcode: Opcode.STARTUP, options: { CQL_VERSION: '3.0.0' } })]), count: 2, segmented: false },
        { bytes: wrap(Buffer.concat(streams.map((s, i) => exec(s, i % 2 === 1)))), count: streams.length, segmented },
      ]);
      expect(results!.map((f) => f.stream)).toEqual(streams);
      for (const [i, f] of results!.entries()) {
        const m = decodeResponse(f).message;
        if (m.opcode !== Opcode.RESULT || m.result.kind !== 'rows') throw new Error('not a rows result');
        expect(m.result.rowCount).toBe(1);
        expect(m.result.metadata.columns === undefined).toBe(i % 2 === 1);
      }
    } finally {
      server.close();
    }
  });
});
