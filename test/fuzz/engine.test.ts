// The fuzz engine's own behaviour: its oracle, mutators and loop must find a planted bug, or a
// green smoke run would mean nothing.
import { describe, expect, test } from 'vitest';
import { ProtocolError, ProtocolErrorCode } from '../../protocol/index.js';
import { malformed } from '../../protocol/errors.js';
import { Rng, chunksOf, classify, fuzzTarget, mutate, runOne, type FuzzTarget } from '../../fuzz/engine.js';

describe('oracle', () => {
  test('a ProtocolError is an allowed outcome, labelled by code and message shape', () => {
    const r = classify(malformed('unknown consistency level 0x1f in "ab"'));
    expect(r).toEqual({ ok: true, label: 'ERR_PROTOCOL_MALFORMED:unknown consistency level # in S' });
  });

  test('any other exception is a crash', () => {
    expect(classify(new TypeError('x is undefined'))).toMatchObject({ ok: false, kind: 'exception' });
    expect(classify(new RangeError('offset out of range'))).toMatchObject({ ok: false, kind: 'exception' });
    expect(classify('a string')).toMatchObject({ ok: false, kind: 'exception' });
  });

  test('a ProtocolError wrapping another exception is a (masked) crash', () => {
    const wrapped = new ProtocolError(ProtocolErrorCode.MALFORMED, 'malformed response', { cause: new RangeError('boom') });
    expect(classify(wrapped)).toMatchObject({ ok: false, kind: 'masked-exception' });
    const chained = new ProtocolError(ProtocolErrorCode.MALFORMED, 'outer', { cause: malformed('inner') });
    expect(classify(chained).ok).toBe(true);
  });

  test('a slow case is a crash', () => {
    const slow: FuzzTarget = { name: 'slow', description: '', seeds: () => [], exec: () => { const end = performance.now() + 30; while (performance.now() < end); return ''; } };
    expect(runOne(slow, Buffer.of(1), { maxCaseMs: 10, maxMemoryGrowthMb: 1e9 }).crash?.kind).toBe('slow');
  });
});

describe('mutators', () => {
  test('are deterministic for a seed and change the input', () => {
    const seed = Buffer.from('0123456789abcdef');
    const a = Array.from({ length: 50 }, (_, i) => mutate(new Rng(i), seed, [seed]));
    const b = Array.from({ length: 50 }, (_, i) => mutate(new Rng(i), seed, [seed]));
    expect(a).toEqual(b);
    expect(a.filter((m) => !m.equals(seed)).length).toBeGreaterThan(40);
  });

  test('chunk splits cover the input exactly, in order', () => {
    const data = Buffer.from(Array.from({ length: 300 }, (_, i) => i & 0xff));
    for (let seed = 0; seed < 20; seed++) expect(Buffer.concat(chunksOf(data, seed))).toEqual(data);
  });
});

describe('loop', () => {
  test('finds a planted bug reachable only by mutating a seed', () => {
    // Throws a TypeError when byte 3 of a well-formed 8-byte input is 0xff; 0x00 otherwise.
    const planted: FuzzTarget = {
      name: 'planted',
      description: '',
      seeds: () => [Buffer.from('ABCDEFGH')],
      exec(input) {
        if (input.length < 8 || input[0] !== 0x41) throw malformed('bad');
        if (input[3] === 0xff) throw new TypeError('planted');
        return 'ok';
      },
    };
    const r = fuzzTarget(planted, { ms: 5000, seed: 1 });
    expect(r.crash?.kind).toBe('exception');
    expect(r.crash?.detail).toContain('planted');
    expect(r.crash?.input[3]).toBe(0xff);
  });
});
