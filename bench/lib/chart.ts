// SVG charts of benchmark results (issue 7): one chart per suite, written next to the JSON and
// markdown files. Hand-written SVG 1.1 (no scripts, no CSS, no external fonts) so GitHub's
// markdown image view renders it. Layout: scenarios down the left, one horizontal bar per
// series (driver, or offload workers) in each scenario, one panel per metric side by side.
import type { MachineInfo } from './machine.js';
import type { ResultFile, ResultRow } from './result.js';

/** How a panel maps values to bar lengths. `auto` picks log when the values span more than 25×. */
export type ChartScale = 'linear' | 'log' | 'auto';

/** One metric shown as a column of bars, one bar per (group, series) row. */
export interface ChartPanel {
  /** Panel heading, e.g. `throughput`. */
  readonly title: string;
  /** Axis label under the panel, with the unit, e.g. `ops/s`. */
  readonly unit: string;
  /** `higher is better` / `lower is better`, shown next to the heading. */
  readonly hint?: string;
  readonly scale: ChartScale;
  /** The value of a row; null when the row has none (drawn as `n/a`). */
  value(row: ResultRow): number | null;
}

/** One colour key of the legend (a driver, or a worker count). */
export interface ChartSeries {
  readonly key: string;
  readonly label: string;
  readonly color: string;
}

/** One row of bars (a scenario). */
export interface ChartGroup {
  readonly key: string;
  readonly label: string;
}

/** Everything {@link renderBarChart} draws. */
export interface ChartSpec {
  readonly title: string;
  /** Lines under the title (machine, software). */
  readonly subtitle: readonly string[];
  readonly groups: readonly ChartGroup[];
  readonly series: readonly ChartSeries[];
  readonly panels: readonly ChartPanel[];
  /** The result row of a (group, series) pair, if the run has one. */
  cell(group: string, series: string): ResultRow | undefined;
  /** Footnotes, numbered in the order given; a bar whose row has a footnote carries its marker. */
  readonly notes?: readonly { readonly group: string; readonly series: string; readonly text: string }[];
}

// ---------------------------------------------------------------------------------------------
// Text and numbers

/** Escape text for SVG content and attribute values; drops characters XML 1.0 forbids. */
export function escapeXml(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) continue;
    if (c === 0xfffe || c === 0xffff) continue;
    switch (ch) {
      case '&': out += '&amp;'; break;
      case '<': out += '&lt;'; break;
      case '>': out += '&gt;'; break;
      case '"': out += '&quot;'; break;
      case "'": out += '&apos;'; break;
      default: out += ch;
    }
  }
  return out;
}

/** A value label: thousands separators from 100 up, else three significant digits. */
export function formatValue(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return Math.round(v).toLocaleString('en-US');
  if (a === 0) return '0';
  const digits = Math.max(0, 2 - Math.floor(Math.log10(a)));
  return v.toFixed(Math.min(digits, 4));
}

/** An axis tick: 0, 2.5, 250, 25k, 1.5M. */
export function formatTick(v: number): string {
  const a = Math.abs(v);
  const trim = (x: number): string => String(Number(x.toPrecision(3)));
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e3) return `${trim(v / 1e3)}k`;
  return trim(v);
}

/** Estimated width of text in a proportional sans-serif font (no font metrics in a static SVG). */
function textWidth(s: string, size: number): number {
  let w = 0;
  for (const ch of s) {
    // Widths in em, rounded up from DejaVu Sans (wider than Helvetica/Arial): estimates err long.
    if ('il.,:;|!\'ıjtf ()[]'.includes(ch)) w += 0.34;
    else if ('mwMW@%'.includes(ch)) w += 0.92;
    else if (ch >= 'A' && ch <= 'Z') w += 0.72;
    else w += 0.64;
  }
  return w * size;
}

/** Break text into lines no wider than `max` (at spaces; a longer word stands alone). */
function wrap(text: string, size: number, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line === '' ? word : `${line} ${word}`;
    if (line !== '' && textWidth(next, size) > max) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** Coordinates with one decimal (keeps the file small and diffs readable). */
function n(v: number): string {
  return String(Math.round(v * 10) / 10);
}

// ---------------------------------------------------------------------------------------------
// Scales

interface Axis {
  readonly log: boolean;
  readonly lo: number;
  readonly hi: number;
  readonly ticks: readonly number[];
  /** Fraction 0..1 of the panel width for a value. */
  pos(v: number): number;
}

function niceStep(span: number, target: number): number {
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
}

function linearAxis(max: number): Axis {
  const top = max > 0 ? max : 1;
  const step = niceStep(top, 4);
  const hi = Math.ceil(top / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let t = 0; t <= hi + step / 2; t += step) ticks.push(Math.round(t / step) * step);
  return { log: false, lo: 0, hi, ticks, pos: (v) => Math.max(0, v) / hi };
}

function logAxis(min: number, max: number): Axis {
  // One decade below the smallest value when it sits just above a power of ten, so its bar is
  // not a sliver next to values only slightly larger.
  let lo = 10 ** Math.floor(Math.log10(min));
  if (min / lo < 2) lo /= 10;
  const hi = 10 ** Math.ceil(Math.log10(max));
  const top = hi > lo ? hi : lo * 10;
  const decades = Math.round(Math.log10(top / lo));
  const ticks: number[] = [];
  for (let e = 0; e <= decades; e++) {
    const d = lo * 10 ** e;
    ticks.push(d);
    // Few decades: 2 and 5 in between, so short bars can still be read off the axis.
    if (decades <= 2 && e < decades) ticks.push(d * 2, d * 5);
  }
  const span = Math.log10(top / lo);
  return { log: true, lo, hi: top, ticks: ticks.sort((a, b) => a - b), pos: (v) => (v <= 0 ? 0 : Math.max(0, Math.log10(v / lo) / span)) };
}

function axisFor(scale: ChartScale, values: readonly number[]): Axis {
  const positive = values.filter((v) => v > 0);
  const max = Math.max(0, ...values);
  if (positive.length === 0) return linearAxis(max);
  const min = Math.min(...positive);
  const log = scale === 'log' || (scale === 'auto' && max / min > 25);
  return log ? logAxis(min, max) : linearAxis(max);
}

// ---------------------------------------------------------------------------------------------
// Rendering

const FONT = 'Helvetica, Arial, sans-serif';
const INK = '#1f2328';
const MUTED = '#59636e';
const GRID = '#d8dee4';
const BAND = '#f6f8fa';

const BAR_H = 14;
const BAR_GAP = 3;
const GROUP_PAD = 7;
const MARGIN = 20;
const PANEL_GAP = 44;
/** Right of the last panel: room for the value label of a bar that reaches the end of the axis. */
const RIGHT = 44;

/** Draw a grouped horizontal bar chart as a standalone SVG document. */
export function renderBarChart(spec: ChartSpec, width = 960): string {
  const out: string[] = [];
  const nSeries = Math.max(1, spec.series.length);
  const groupH = nSeries * BAR_H + (nSeries - 1) * BAR_GAP + 2 * GROUP_PAD;
  const labelW = Math.ceil(Math.max(60, ...spec.groups.map((g) => textWidth(g.label, 12))) + 12);
  const nPanels = Math.max(1, spec.panels.length);
  const panelW = Math.max(160, (width - MARGIN - RIGHT - labelW - (nPanels - 1) * PANEL_GAP) / nPanels);
  const totalW = Math.max(width, MARGIN + RIGHT + labelW + nPanels * panelW + (nPanels - 1) * PANEL_GAP);
  const noteIndex = new Map<string, number>();
  (spec.notes ?? []).forEach((note, i) => noteIndex.set(`${note.group}\u0000${note.series}`, i + 1));

  // Header: title, subtitle lines, legend (wrapped to the width).
  let y = MARGIN + 16;
  const head: string[] = [];
  head.push(`<text x="${MARGIN}" y="${y}" font-size="18" font-weight="bold" fill="${INK}">${escapeXml(spec.title)}</text>`);
  for (const line of spec.subtitle) {
    y += 18;
    head.push(`<text x="${MARGIN}" y="${y}" font-size="12" fill="${MUTED}">${escapeXml(line)}</text>`);
  }
  y += 26;
  let lx = MARGIN;
  for (const s of spec.series) {
    const w = 18 + textWidth(s.label, 12) + 22;
    if (lx > MARGIN && lx + w > totalW - MARGIN) {
      lx = MARGIN;
      y += 20;
    }
    head.push(
      `<g class="legend"><rect x="${n(lx)}" y="${n(y - 10)}" width="12" height="12" fill="${s.color}"/>` +
        `<text x="${n(lx + 18)}" y="${n(y)}" font-size="12" fill="${INK}">${escapeXml(s.label)}</text></g>`,
    );
    lx += w;
  }
  out.push(...head);

  // Panel headings.
  y += 30;
  const panelX = (i: number): number => MARGIN + labelW + i * (panelW + PANEL_GAP);
  // The hint (higher/lower is better) follows the heading when both fit, else the unit below.
  // It is a text element of its own at a computed x, not a tspan after the heading: renderers
  // collapse or drop the spaces that separated the two (the heading read "throughputhigher is
  // better"), and a separate element keeps them apart in every renderer and text extraction.
  const HINT_GAP = 12;
  const headingW = (p: ChartPanel): number => textWidth(p.title, 13) * 1.1;
  const hintOnTop = spec.panels.map((p) => !p.hint || headingW(p) + HINT_GAP + textWidth(p.hint, 11) <= panelW);
  spec.panels.forEach((p, i) => {
    const x = panelX(i);
    out.push(`<text x="${n(x)}" y="${n(y)}" font-size="13" font-weight="bold" fill="${INK}">${escapeXml(p.title)}</text>`);
    if (p.hint && hintOnTop[i]) out.push(`<text class="hint" x="${n(x + headingW(p) + HINT_GAP)}" y="${n(y)}" font-size="11" fill="${MUTED}">(${escapeXml(p.hint)})</text>`);
  });
  y += 10;
  const plotTop = y;
  const plotH = spec.groups.length * groupH;
  const plotBottom = plotTop + plotH;

  // Group bands and labels.
  spec.groups.forEach((g, gi) => {
    const gy = plotTop + gi * groupH;
    if (gi % 2 === 1) out.push(`<rect x="${MARGIN}" y="${n(gy)}" width="${n(totalW - 2 * MARGIN)}" height="${n(groupH)}" fill="${BAND}"/>`);
    out.push(`<text x="${n(MARGIN + labelW - 12)}" y="${n(gy + groupH / 2 + 4)}" font-size="12" text-anchor="end" fill="${INK}">${escapeXml(g.label)}</text>`);
  });

  spec.panels.forEach((p, pi) => {
    const x0 = panelX(pi);
    const values: number[] = [];
    for (const g of spec.groups) {
      for (const s of spec.series) {
        const r = spec.cell(g.key, s.key);
        const v = r ? p.value(r) : null;
        if (v !== null && Number.isFinite(v)) values.push(v);
      }
    }
    const axis = axisFor(p.scale, values);
    // Grid and ticks.
    const tickY = plotBottom + 14;
    let lastTickEnd = -Infinity;
    for (const t of axis.ticks) {
      const tx = x0 + axis.pos(t) * panelW;
      out.push(`<line x1="${n(tx)}" y1="${n(plotTop)}" x2="${n(tx)}" y2="${n(plotBottom)}" stroke="${GRID}" stroke-width="1"/>`);
      const label = formatTick(t);
      const half = textWidth(label, 10) / 2;
      if (tx - half > lastTickEnd + 3) {
        out.push(`<text x="${n(tx)}" y="${n(tickY)}" font-size="10" text-anchor="middle" fill="${MUTED}">${escapeXml(label)}</text>`);
        lastTickEnd = tx + half;
      }
    }
    out.push(`<line x1="${n(x0)}" y1="${n(plotTop)}" x2="${n(x0)}" y2="${n(plotBottom)}" stroke="${MUTED}" stroke-width="1"/>`);
    out.push(`<text x="${n(x0 + panelW / 2)}" y="${n(tickY + 16)}" font-size="11" text-anchor="middle" fill="${MUTED}">${escapeXml(p.unit + (axis.log ? ' (log scale)' : '') + (p.hint && !hintOnTop[pi] ? ` · ${p.hint}` : ''))}</text>`);

    // Bars.
    spec.groups.forEach((g, gi) => {
      spec.series.forEach((s, si) => {
        const r = spec.cell(g.key, s.key);
        if (!r) return;
        const by = plotTop + gi * groupH + GROUP_PAD + si * (BAR_H + BAR_GAP);
        const ty = by + BAR_H / 2 + 4;
        const v = p.value(r);
        const marker = noteIndex.get(`${g.key}\u0000${s.key}`);
        const ref = marker !== undefined && pi === 0 ? ` [${marker}]` : '';
        if (v === null || !Number.isFinite(v)) {
          out.push(`<text x="${n(x0 + 4)}" y="${n(ty)}" font-size="10" font-style="italic" fill="${MUTED}">n/a${ref}</text>`);
          return;
        }
        const w = axis.pos(v) * panelW;
        const label = formatValue(v) + ref;
        out.push(
          `<rect class="bar" x="${n(x0)}" y="${n(by)}" width="${n(w)}" height="${BAR_H}" fill="${s.color}">` +
            `<title>${escapeXml(`${g.label}\n${s.label}\n${p.title}: ${formatValue(v)} ${p.unit}`)}</title></rect>`,
        );
        const lw = textWidth(label, 11);
        const room = pi === nPanels - 1 ? RIGHT - 4 : PANEL_GAP - 6;
        if (x0 + w + 4 + lw <= x0 + panelW + room) {
          out.push(`<text x="${n(x0 + w + 4)}" y="${n(ty)}" font-size="11" fill="${INK}">${escapeXml(label)}</text>`);
        } else {
          out.push(`<text x="${n(x0 + w - 4)}" y="${n(ty)}" font-size="11" text-anchor="end" fill="#ffffff">${escapeXml(label)}</text>`);
        }
      });
    });
  });

  // Footnotes.
  y = plotBottom + 14 + 16 + 10;
  for (const [i, note] of (spec.notes ?? []).entries()) {
    const marker = `[${i + 1}]`;
    const indent = textWidth(`${marker} `, 11);
    wrap(note.text, 11, totalW - 2 * MARGIN - indent).forEach((line, li) => {
      y += 15;
      if (li === 0) out.push(`<text x="${MARGIN}" y="${n(y)}" font-size="11" fill="${MUTED}">${marker}</text>`);
      out.push(`<text x="${n(MARGIN + indent)}" y="${n(y)}" font-size="11" fill="${MUTED}">${escapeXml(line)}</text>`);
    });
  }
  const totalH = Math.ceil(y + MARGIN);

  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${n(totalW)}" height="${totalH}" viewBox="0 0 ${n(totalW)} ${totalH}" font-family="${FONT}">`,
    `<title>${escapeXml(spec.title)}</title>`,
    `<rect x="0" y="0" width="${n(totalW)}" height="${totalH}" fill="#ffffff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Results file → chart

/** Colours by driver (Okabe–Ito palette: distinguishable with colour-vision deficiencies). */
const DRIVER_COLORS: Record<string, string> = {
  cqlwire: '#0072B2',
  'cassandra-driver': '#E69F00',
  'async-cassandra': '#D55E00',
  'python-driver': '#009E73',
};
const SPARE_COLORS = ['#CC79A7', '#56B4E9', '#F0E442', '#000000', '#999999'];
const WORKER_COLORS = ['#999999', '#56B4E9', '#0072B2', '#003f63'];

const TITLES: Record<string, string> = {
  client: 'client: prepared single-row SELECT, instant responder (each client’s own cost)',
  real: 'real: prepared single-row INSERT and SELECT against Apache Cassandra',
  stream: 'stream: one query, all pages consumed',
  codec: 'codec: protocol encode/decode alone, no sockets',
  offload: 'offload: streaming large rows with 0/1/2 offload workers (cqlwire)',
};

const ops: ChartPanel = { title: 'throughput', unit: 'ops/s', hint: 'higher is better', scale: 'linear', value: (r) => r.opsPerSec };
const cpu = (title: string, unit: string, scale: ChartScale): ChartPanel => ({ title, unit, hint: 'lower is better', scale, value: (r) => r.cpuUsPerOp });

/** Subtitle lines from the machine record. */
export function machineLines(m: MachineInfo): string[] {
  const date = m.date.length >= 16 ? `${m.date.slice(0, 10)} ${m.date.slice(11, 16)} UTC` : m.date;
  return [
    `${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GiB · Node ${m.node} · ${m.os} · ${date}`,
    `load average at start ${m.loadAvg.join(' / ')} (1/5/15 min) · cqlwire ${m.cqlwire}`,
  ];
}

function uniq<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

/** Build the chart of one suite's rows (every row must be of that suite). */
export function chartSpec(suite: string, rows: readonly ResultRow[], machine: MachineInfo): ChartSpec {
  const offload = suite === 'offload';
  // A driver measured with several worker counts in one scenario (e.g. cqlwire inline and with
  // offload next to the other drivers) gets one series per worker count, so every driver stays
  // in the same group as its competitors.
  const multiWorkers = new Set(
    rows.filter((a) => rows.some((b) => a.scenario === b.scenario && a.driver === b.driver && a.compression === b.compression && a.workers !== b.workers)).map((r) => r.driver),
  );
  // Series: drivers in order of appearance; offload compares worker counts of one driver.
  const seriesKey = (r: ResultRow): string =>
    offload ? String(r.workers ?? 0) : multiWorkers.has(r.driver) ? `${r.driver}\u0000${r.workers ?? 0}` : r.driver;
  // Groups: the scenario, plus the compression when it tells apart rows of the same scenario and
  // series (offload: none / lz4).
  const clash = rows.some((a) => rows.some((b) => a.scenario === b.scenario && seriesKey(a) === seriesKey(b) && a.compression !== b.compression));
  const groupKey = (r: ResultRow): string => (clash ? `${r.scenario} · ${r.compression ?? '–'}` : r.scenario);

  const cells = new Map<string, ResultRow>();
  for (const r of rows) cells.set(`${groupKey(r)}\u0000${seriesKey(r)}`, r);
  const groups = uniq(rows.map(groupKey)).map((k) => ({ key: k, label: k }));

  let spare = 0;
  const seen = new Set<string>();
  const series: ChartSeries[] = uniq(rows.map(seriesKey)).map((key, i) => {
    if (offload) {
      const w = Number(key);
      return { key, label: w === 0 ? 'inline decode (0 workers)' : `${w} offload worker${w === 1 ? '' : 's'}`, color: WORKER_COLORS[Math.min(w, WORKER_COLORS.length - 1)] ?? SPARE_COLORS[i % SPARE_COLORS.length]! };
    }
    const row = rows.find((r) => seriesKey(r) === key)!;
    const driver = row.driver;
    const version = rows.find((r) => r.driver === driver && r.driverVersion)?.driverVersion ?? machine.drivers[driver] ?? null;
    let label = driver === 'cqlwire' ? `cqlwire ${version ?? machine.cqlwire}` : version ? `${driver} ${version}` : driver;
    if (multiWorkers.has(driver)) label += `, ${row.workers ?? 0} workers`;
    // The driver's own colour for its first series, spare colours for further worker counts.
    const own = DRIVER_COLORS[driver];
    const color = own !== undefined && !seen.has(driver) ? own : SPARE_COLORS[spare++ % SPARE_COLORS.length]!;
    seen.add(driver);
    return { key, label, color };
  });
  if (offload) series.sort((a, b) => Number(a.key) - Number(b.key));

  let panels: ChartPanel[];
  switch (suite) {
    case 'client':
    case 'real':
      panels = [ops, cpu('CPU per operation', 'CPU µs/op', 'log')];
      // Latency where the run recorded it (files from before it was charted have none).
      if (rows.some((r) => r.p99Ms !== null)) panels.push({ title: 'p99 latency', unit: 'ms', hint: 'lower is better', scale: 'auto', value: (r) => r.p99Ms });
      break;
    case 'codec':
      // Decode (hundreds/s) and encode (hundreds of thousands/s) share the axis: log scale.
      panels = [{ ...ops, scale: 'log' }, cpu('CPU per operation', 'CPU µs/op', 'log')];
      break;
    case 'stream':
      panels = [
        { title: 'throughput', unit: 'rows/s', hint: 'higher is better', scale: 'linear', value: (r) => r.rowsPerSec },
        cpu('CPU per row', 'CPU µs/row', 'auto'),
        { title: 'peak RSS', unit: 'MB', hint: 'lower is better', scale: 'linear', value: (r) => r.rssMb },
      ];
      break;
    case 'offload':
      panels = [
        { title: 'event-loop delay p99', unit: 'ms', hint: 'lower is better', scale: 'auto', value: (r) => r.eventLoopP99Ms },
        // ~1 KB and ~50 KB rows differ ~50× in rows/s: log scale when they share the axis.
        { title: 'throughput', unit: 'rows/s', hint: 'higher is better', scale: 'auto', value: (r) => r.rowsPerSec },
        cpu('main-thread CPU', 'µs/row', 'auto'),
      ];
      break;
    default: {
      // Unknown suite: whichever throughput the rows carry, then CPU.
      const useRows = rows.some((r) => r.rowsPerSec !== null) && !rows.some((r) => r.opsPerSec !== null);
      panels = [
        useRows ? { title: 'throughput', unit: 'rows/s', hint: 'higher is better', scale: 'auto', value: (r) => r.rowsPerSec } : { ...ops, scale: 'auto' },
        cpu('CPU per operation', 'CPU µs/op', 'auto'),
      ];
    }
  }

  const notes: { group: string; series: string; text: string }[] = [];
  for (const r of rows) {
    const bits: string[] = [];
    if (r.errors) bits.push(`${r.errors.toLocaleString('en-US')} failed requests`);
    if (r.note) bits.push(r.note.length > 110 ? `${r.note.slice(0, 110)}…` : r.note);
    if (bits.length > 0) {
      const s = series.find((x) => x.key === seriesKey(r))!;
      notes.push({ group: groupKey(r), series: seriesKey(r), text: `${groupKey(r)} · ${s.label}: ${bits.join('; ')}` });
    }
  }

  return {
    title: TITLES[suite] ?? suite,
    subtitle: machineLines(machine),
    groups,
    series,
    panels,
    cell: (g, s) => cells.get(`${g}\u0000${s}`),
    notes,
  };
}

/** One SVG per suite present in a results file, keyed by suite name (in order of appearance). */
export function chartsFor(file: ResultFile): Map<string, string> {
  const out = new Map<string, string>();
  for (const suite of uniq(file.results.map((r) => r.suite))) {
    const rows = file.results.filter((r) => r.suite === suite);
    out.set(suite, renderBarChart(chartSpec(suite, rows, file.machine)));
  }
  return out;
}
