// The benchmark SVG charts (bench/lib/chart.ts): well-formed XML, one bar per result row and
// metric with a length that follows the value, escaped text, every series in the legend.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { chartsFor, escapeXml } from '../../bench/lib/chart.js';
import type { MachineInfo } from '../../bench/lib/machine.js';
import { resultRow, type ResultFile, type ResultRow } from '../../bench/lib/result.js';

// --- a minimal XML reader: throws on anything not well-formed -------------------------------

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Text directly inside the element, entities decoded. */
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: number): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '<') throw new Error(`raw '<' at ${where + i}`);
    if (ch !== '&') {
      out += ch;
      continue;
    }
    const end = raw.indexOf(';', i);
    if (end < 0) throw new Error(`unterminated entity at ${where + i}`);
    const name = raw.slice(i + 1, end);
    if (name in ENTITIES) out += ENTITIES[name];
    else if (name.startsWith('#x') && name.length > 2 && [...name.slice(2)].every((c) => '0123456789abcdefABCDEF'.includes(c))) out += String.fromCodePoint(parseInt(name.slice(2), 16));
    else if (name.startsWith('#') && name.length > 1 && [...name.slice(1)].every((c) => c >= '0' && c <= '9')) out += String.fromCodePoint(Number(name.slice(1)));
    else throw new Error(`unknown entity &${name}; at ${where + i}`);
    i = end;
  }
  return out;
}

const isNameChar = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '-' || c === ':' || c === '_' || c === '.';

function parseXml(src: string): XmlElement {
  let i = 0;
  if (src.startsWith('<?xml')) {
    i = src.indexOf('?>') + 2;
    if (i < 2) throw new Error('unterminated XML declaration');
  }
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const readName = (): string => {
    const start = i;
    while (i < src.length && isNameChar(src[i]!)) i++;
    if (i === start) throw new Error(`expected a name at ${i}`);
    return src.slice(start, i);
  };
  const skipSpace = (): void => {
    while (i < src.length && ' \t\r\n'.includes(src[i]!)) i++;
  };
  while (i < src.length) {
    if (src[i] !== '<') {
      const next = src.indexOf('<', i);
      const end = next < 0 ? src.length : next;
      const text = decode(src.slice(i, end), i);
      if (stack.length === 0) {
        if (text.trim() !== '') throw new Error(`text outside the root element at ${i}`);
      } else stack[stack.length - 1]!.text += text;
      i = end;
      continue;
    }
    if (src.startsWith('</', i)) {
      i += 2;
      const name = readName();
      skipSpace();
      if (src[i] !== '>') throw new Error(`expected '>' at ${i}`);
      i++;
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name ?? 'nothing'}>`);
      continue;
    }
    i++;
    const el: XmlElement = { name: readName(), attrs: {}, children: [], text: '' };
    for (;;) {
      const before = i;
      skipSpace();
      if (src.startsWith('/>', i) || src[i] === '>') break;
      if (i === before) throw new Error(`expected whitespace before an attribute at ${i}`);
      const attr = readName();
      if (attr in el.attrs) throw new Error(`duplicate attribute ${attr} at ${i}`);
      if (src[i] !== '=' || src[i + 1] !== '"') throw new Error(`attribute ${attr} not ="quoted" at ${i}`);
      const end = src.indexOf('"', i + 2);
      if (end < 0) throw new Error(`unterminated attribute at ${i}`);
      el.attrs[attr] = decode(src.slice(i + 2, end), i + 2);
      i = end + 1;
    }
    if (stack.length > 0) stack[stack.length - 1]!.children.push(el);
    else if (root) throw new Error(`second root element <${el.name}> at ${i}`);
    else root = el;
    if (src.startsWith('/>', i)) i += 2;
    else {
      i++;
      stack.push(el);
    }
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1]!.name}> never closed`);
  if (!root) throw new Error('no root element');
  return root;
}

function all(el: XmlElement, pred: (e: XmlElement) => boolean, out: XmlElement[] = []): XmlElement[] {
  if (pred(el)) out.push(el);
  for (const c of el.children) all(c, pred, out);
  return out;
}

/** Text of an element and its descendants (tspans), in document order. */
function fullText(el: XmlElement): string {
  return el.text + el.children.map(fullText).join('');
}

interface Bar {
  group: string;
  series: string;
  panel: string;
  x: number;
  width: number;
}

/** Bars with their `<title>`: group, series and `panel: value unit` on three lines. */
function bars(svg: XmlElement): Bar[] {
  return all(svg, (e) => e.name === 'rect' && e.attrs.class === 'bar').map((e) => {
    const title = e.children.find((c) => c.name === 'title');
    if (!title) throw new Error('bar without a title');
    const [group, series, rest] = title.text.split('\n');
    return { group: group!, series: series!, panel: rest!.slice(0, rest!.indexOf(':')), x: Number(e.attrs.x), width: Number(e.attrs.width) };
  });
}

// --- fixtures ---------------------------------------------------------------------------------

const machine: MachineInfo = {
  cpuModel: 'Test CPU',
  cores: 7,
  memoryGb: 3,
  node: 'v20.99.0',
  os: 'TestOS 1 x64',
  loadAvg: [0.1, 0.2, 0.3],
  cqlwire: '9.9.9',
  drivers: { 'cassandra-driver': '4.10.0', 'py<thon>': null },
  date: '2026-01-02T03:04:05.000Z',
};

const load = (scenario: string, driver: string, opsPerSec: number | null, cpuUsPerOp: number | null, extra: Partial<ResultRow> = {}): ResultRow =>
  resultRow({ suite: 'client', scenario, driver, concurrency: 1, compression: 'none', opsPerSec, cpuUsPerOp, ...extra });

const clientFile: ResultFile = {
  machine,
  results: [
    load('select c1', 'cqlwire', 5000, 100),
    load('select c1', 'cassandra-driver', 4000, 150),
    load('select c1', 'py<thon>', 1000, 900),
    load('insert "x" & <y>', 'cqlwire', 120_000, 7),
    load('insert "x" & <y>', 'cassandra-driver', 60_000, 17, { errors: 12, note: 'first error: A<B & C' }),
    load('insert "x" & <y>', 'py<thon>', null, null, { note: 'not installed' }),
  ],
};

function render(file: ResultFile, suite: string): { src: string; svg: XmlElement } {
  const src = chartsFor(file).get(suite);
  if (src === undefined) throw new Error(`no chart for ${suite}`);
  return { src, svg: parseXml(src) };
}

describe('bench charts', () => {
  test('the XML reader itself rejects what is not well-formed', () => {
    expect(() => parseXml('<a><b></a></b>')).toThrow();
    expect(() => parseXml('<a>x & y</a>')).toThrow();
    expect(() => parseXml('<a t="<"/>')).toThrow();
    expect(() => parseXml('<a t=1/>')).toThrow();
    expect(() => parseXml('<a/><b/>')).toThrow();
    expect(() => parseXml('<a>')).toThrow();
    expect(parseXml('<a t="&lt;&amp;"><b>&gt;</b></a>').attrs.t).toBe('<&');
  });

  test('a client chart is a standalone SVG 1.1 document with title, machine line and legend', () => {
    const { src, svg } = render(clientFile, 'client');
    expect(svg.name).toBe('svg');
    expect(svg.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(svg.attrs.version).toBe('1.1');
    expect(Number(svg.attrs.width)).toBeGreaterThan(0);
    expect(Number(svg.attrs.height)).toBeGreaterThan(0);
    // Nothing GitHub's image view would refuse or could not resolve.
    expect(all(svg, (e) => ['script', 'foreignObject', 'image', 'style', 'use'].includes(e.name))).toEqual([]);
    expect(all(svg, (e) => Object.keys(e.attrs).some((a) => a.startsWith('on') || a.endsWith('href')))).toEqual([]);
    expect(src).not.toMatch(/@import|url\(/);

    const texts = all(svg, (e) => e.name === 'text').map(fullText);
    expect(texts[0]).toMatch(/^client: /);
    expect(texts.some((t) => t.includes('7 cores') && t.includes('Node v20.99.0') && t.includes('2026-01-02'))).toBe(true);
    const legend = all(svg, (e) => e.name === 'g' && e.attrs.class === 'legend').map(fullText);
    expect(legend).toEqual(['cqlwire 9.9.9', 'cassandra-driver 4.10.0', 'py<thon>']);
  });

  test('a panel heading and its hint are separate texts, the hint placed after the heading', () => {
    const { svg } = render(clientFile, 'client');
    const texts = all(svg, (e) => e.name === 'text');
    // Never one text that runs the two together ("throughputhigher is better").
    expect(texts.map(fullText).some((t) => /throughput\s*\(?higher/.test(t))).toBe(false);
    const heading = texts.find((e) => fullText(e) === 'throughput')!;
    const hint = texts.find((e) => fullText(e) === '(higher is better)')!;
    expect(heading).toBeDefined();
    expect(hint).toBeDefined();
    expect(hint.attrs.y).toBe(heading.attrs.y);
    // At least the heading's width (13 px bold, ≥ 0.5 em per character) to the right of it.
    expect(Number(hint.attrs.x) - Number(heading.attrs.x)).toBeGreaterThan('throughput'.length * 13 * 0.5);
  });

  test('a client file with p99 latencies gets a p99 panel', () => {
    const withP99: ResultFile = { machine, results: clientFile.results.map((r) => (r.opsPerSec !== null ? { ...r, p99Ms: 2 } : r)) };
    const { svg } = render(withP99, 'client');
    expect(new Set(bars(svg).map((b) => b.panel))).toEqual(new Set(['throughput', 'CPU per operation', 'p99 latency']));
  });

  test('text is escaped: special characters survive a parse and never appear raw', () => {
    const { src, svg } = render(clientFile, 'client');
    expect(src).toContain('insert &quot;x&quot; &amp; &lt;y&gt;');
    expect(src).toContain('py&lt;thon&gt;');
    expect(src).not.toContain('<y>');
    expect(src).not.toContain('<thon>');
    const labels = all(svg, (e) => e.name === 'text').map(fullText);
    expect(labels).toContain('insert "x" & <y>');
    expect(labels.some((t) => t.includes('first error: A<B & C'))).toBe(true);
    expect(escapeXml('a\u0000b\u001bc\td')).toBe('abc\td');
  });

  test('one bar per row and metric; linear lengths proportional to the value, log lengths to its logarithm', () => {
    const { svg } = render(clientFile, 'client');
    const bs = bars(svg);
    const withOps = clientFile.results.filter((r) => r.opsPerSec !== null);
    const throughput = bs.filter((b) => b.panel === 'throughput');
    const cpu = bs.filter((b) => b.panel === 'CPU per operation');
    expect(throughput).toHaveLength(withOps.length);
    expect(cpu).toHaveLength(withOps.length);
    expect(bs).toHaveLength(2 * withOps.length);
    // Each bar is the row it names; a panel's bars share one left edge.
    const seriesLabel: Record<string, string> = { cqlwire: 'cqlwire 9.9.9', 'cassandra-driver': 'cassandra-driver 4.10.0', 'py<thon>': 'py<thon>' };
    const barOf = (panel: Bar[], r: ResultRow): Bar => {
      const found = panel.filter((b) => b.group === r.scenario && b.series === seriesLabel[r.driver]);
      expect(found).toHaveLength(1);
      return found[0]!;
    };
    expect(new Set(throughput.map((b) => b.x)).size).toBe(1);
    expect(new Set(cpu.map((b) => b.x)).size).toBe(1);
    expect(cpu[0]!.x).toBeGreaterThan(throughput[0]!.x);

    // Linear: width = k × value for one k (coordinates are rounded to 0.1 px).
    const maxRow = withOps.reduce((a, b) => (b.opsPerSec! > a.opsPerSec! ? b : a));
    const k = barOf(throughput, maxRow).width / maxRow.opsPerSec!;
    expect(k).toBeGreaterThan(0);
    for (const r of withOps) expect(Math.abs(barOf(throughput, r).width - k * r.opsPerSec!)).toBeLessThanOrEqual(0.11);

    // Log: width differences are proportional to log ratios, and larger values are longer.
    const [a, b] = [withOps[0]!, withOps[1]!];
    const perDecade = (barOf(cpu, a).width - barOf(cpu, b).width) / Math.log10(a.cpuUsPerOp! / b.cpuUsPerOp!);
    expect(perDecade).toBeGreaterThan(0);
    for (const r of withOps) {
      const expected = barOf(cpu, a).width + perDecade * Math.log10(r.cpuUsPerOp! / a.cpuUsPerOp!);
      expect(Math.abs(barOf(cpu, r).width - expected)).toBeLessThanOrEqual(0.2);
    }
  });

  test('a row without a value gets n/a instead of a bar; errors and notes become numbered footnotes', () => {
    const { svg } = render(clientFile, 'client');
    const texts = all(svg, (e) => e.name === 'text').map(fullText);
    expect(texts.filter((t) => t === 'n/a [2]')).toHaveLength(1);
    expect(texts.filter((t) => t === 'n/a')).toHaveLength(1);
    expect(texts).toContain('60,000 [1]');
    expect(texts).toContain('[1]');
    expect(texts).toContain('[2]');
    expect(texts.some((t) => t.includes('cassandra-driver 4.10.0: 12 failed requests; first error: A<B & C'))).toBe(true);
    expect(texts.some((t) => t.includes('py<thon>: not installed'))).toBe(true);
  });

  test('offload: one series per worker count, groups by scenario and compression, three metrics', () => {
    const rows: ResultRow[] = [];
    for (const compression of ['none', 'lz4']) {
      for (const workers of [0, 1, 2]) {
        rows.push(resultRow({ suite: 'offload', scenario: 'stream 1000 x 1KB', driver: 'cqlwire', compression, workers, rowsPerSec: 1000 * (workers + 1), cpuUsPerOp: 10 - workers, eventLoopP99Ms: workers === 0 ? 400 : 2 + workers }));
      }
    }
    const { svg } = render({ machine, results: rows }, 'offload');
    const legend = all(svg, (e) => e.name === 'g' && e.attrs.class === 'legend').map(fullText);
    expect(legend).toEqual(['inline decode (0 workers)', '1 offload worker', '2 offload workers']);
    const bs = bars(svg);
    expect(bs).toHaveLength(rows.length * 3);
    expect(new Set(bs.map((b) => b.panel))).toEqual(new Set(['event-loop delay p99', 'throughput', 'main-thread CPU']));
    expect(new Set(bs.map((b) => b.group))).toEqual(new Set(['stream 1000 x 1KB · none', 'stream 1000 x 1KB · lz4']));
    // Throughput is linear here (values within 3×): 2 workers' bar is three times inline's.
    const tp = bs.filter((b) => b.panel === 'throughput' && b.group.endsWith('lz4'));
    const w0 = tp.find((b) => b.series.startsWith('inline'))!.width;
    const w2 = tp.find((b) => b.series.startsWith('2 '))!.width;
    expect(w2 / w0).toBeCloseTo(3, 2);
  });

  test('a driver run with several worker counts gets a series per count, in the same group as the others', () => {
    const stream = (driver: string, workers: number | null, rowsPerSec: number): ResultRow =>
      resultRow({ suite: 'stream', scenario: 'stream 10 rows', driver, compression: 'none', workers, rowsPerSec, cpuUsPerOp: 1, rssMb: 50 });
    const { svg } = render({ machine, results: [stream('cqlwire', 0, 300), stream('cqlwire', 2, 400), stream('cassandra-driver', null, 200)] }, 'stream');
    const legend = all(svg, (e) => e.name === 'g' && e.attrs.class === 'legend').map(fullText);
    expect(legend).toEqual(['cqlwire 9.9.9, 0 workers', 'cqlwire 9.9.9, 2 workers', 'cassandra-driver 4.10.0']);
    const tp = bars(svg).filter((b) => b.panel === 'throughput');
    expect(tp.map((b) => b.group)).toEqual(['stream 10 rows', 'stream 10 rows', 'stream 10 rows']);
    expect(tp[1]!.width / tp[2]!.width).toBeCloseTo(2, 2);
  });

  test('a file of several suites gives one chart per suite', () => {
    const stream = resultRow({ suite: 'stream', scenario: 'stream 10 rows', driver: 'cqlwire', compression: 'none', workers: 0, rowsPerSec: 5, cpuUsPerOp: 1, rssMb: 50 });
    const charts = chartsFor({ machine, results: [...clientFile.results, stream] });
    expect([...charts.keys()]).toEqual(['client', 'stream']);
    const streamSvg = parseXml(charts.get('stream')!);
    expect(bars(streamSvg).map((b) => b.panel)).toEqual(['throughput', 'CPU per row', 'peak RSS']);
  });

  test('every committed results file renders to a well-formed chart with a bar per row', () => {
    const dir = new URL('../../bench/results/', import.meta.url).pathname;
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const file = JSON.parse(readFileSync(join(dir, f), 'utf8')) as ResultFile;
      for (const [suite, src] of chartsFor(file)) {
        const svg = parseXml(src);
        const rows = file.results.filter((r) => r.suite === suite);
        const bs = bars(svg);
        const panels = new Set(bs.map((x) => x.panel));
        const missing = all(svg, (e) => e.name === 'text' && e.text.startsWith('n/a')).length;
        expect(bs.length, `${f} ${suite}`).toBeGreaterThan(0);
        expect(bs.length + missing, `${f} ${suite}`).toBe(rows.length * panels.size);
      }
    }
  });
});
