import { describe, expect, it } from 'vitest';
import {
  FLOORS,
  GOALS,
  mergeResults,
  scaleTable,
  selfTimes,
  table,
  topFunctions,
  verdicts,
} from '../../scripts/bench-report.mjs';

// Issue 19: the benchmark's floors and goals, its results file keyed by dataset scale, and the top
// five self-time functions of a profile (scripts/bench-report.mjs, used by scripts/bench.mjs).

const row = (name, ratio) => ({
  name,
  route: name,
  rps: 10,
  p50: 1,
  p99: 2,
  baselineRps: 10 / (ratio ?? 1),
  ratio,
  unexpected: 0,
});

describe('bench floors and goals', () => {
  it("are issue 19's floors, with the portal document page's goal at 0.50", () => {
    expect(FLOORS).toEqual({
      'portal-document': 0.4,
      'portal-home': 0.4,
      'job-page': 0.25,
      'document-page': 0.25,
      sign: 0.15,
      'draft-pdf': 0.1,
    });
    expect(GOALS['portal-document']).toBe(0.5);
    for (const [name, floor] of Object.entries(FLOORS)) expect(GOALS[name]).toBeGreaterThan(floor);
  });

  it('fail a route below its floor and say whether each goal is met', () => {
    const v = verdicts([
      row('healthz', null),
      row('portal-document', 0.45),
      row('job-page', 0.2),
      row('comment', 0.31),
    ]);
    expect(v).toEqual([
      { route: 'portal-document', ratio: 0.45, floor: 0.4, ok: true, goal: 0.5, goalMet: false },
      { route: 'job-page', ratio: 0.2, floor: 0.25, ok: false, goal: 0.3, goalMet: false },
      { route: 'comment', ratio: 0.31, floor: null, ok: true, goal: 0.3, goalMet: true },
    ]);
    const text = table([row('portal-document', 0.52), row('job-page', 0.2)]);
    expect(text).toMatch(/goal met/);
    expect(text.split('\n')[2]).toMatch(/52\.0%\s+40\.0%\s+50\.0%\s+yes/);
    expect(text.split('\n')[3]).toMatch(/20\.0% BELOW\s+25\.0%\s+30\.0%\s+no/);
  });
});

describe('bench results file', () => {
  it('keeps one run per scale, and a file from before scales as scale 1', () => {
    const old = { date: 'then', routes: [row('job-page', 0.11)] };
    const ten = { scale: 10, routes: [row('healthz', null), row('job-page', 0.2)] };
    const merged = mergeResults(old, ten);
    expect(Object.keys(merged)).toEqual(['1', '10']);
    expect(merged['1']).toBe(old);
    const one = { scale: 1, routes: [row('job-page', 0.3)] };
    const again = mergeResults(merged, one);
    expect(again['1']).toBe(one);
    expect(again['10']).toBe(ten);
    expect(mergeResults(null, one)).toEqual({ 1: one });
    const text = scaleTable(again);
    expect(text.split('\n')[0]).toMatch(/route\s+floor\s+goal\s+×1\s+×10/);
    expect(text).toMatch(/job-page\s+25\.0%\s+30\.0%\s+30\.0%\s+20\.0%/);
  });
});

describe('bench profile', () => {
  // Samples 1 ms apart: render 4, query 3, (garbage collector) 2, (idle) 5, each function once more.
  const frame = (id, functionName, line) => ({
    id,
    callFrame: { functionName, url: 'file:///tmp/.wrangler/tmp/dev-x/index.js', lineNumber: line, columnNumber: 0 },
  });
  const profile = {
    nodes: [
      frame(1, '(root)', -1),
      frame(2, 'render', 99),
      frame(3, 'query', 199),
      frame(4, '(garbage collector)', -1),
      frame(5, '(idle)', -1),
      frame(6, '', 9),
      frame(7, 'a', 1),
      frame(8, 'b', 2),
      frame(9, 'c', 3),
    ],
    startTime: 0,
    endTime: 20_000,
    samples: [2, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 5, 5, 5, 6, 7, 8, 9],
    timeDeltas: Array(18).fill(1000),
  };

  it('gives each function its self time in ms and its share of the busy time', () => {
    const { busyMs, idleMs, list } = selfTimes(profile);
    expect(busyMs).toBe(13);
    expect(idleMs).toBe(5);
    expect(list[0]).toMatchObject({ fn: 'render', where: 'index.js:100', ms: 4 });
    expect(list[0].share).toBeCloseTo(4 / 13);
  });

  it('counts a gap longer than ten sampling intervals as unsampled (another isolate ran, or nothing), not as self time', () => {
    const gappy = { ...profile, timeDeltas: profile.timeDeltas.map((d, i) => (i === 5 ? 500_000 : d)) };
    const { busyMs, awayMs, list } = selfTimes(gappy);
    // The sample before the gap (index 4, `query`) keeps one interval; the other 499 ms are away.
    expect(busyMs).toBe(13);
    expect(awayMs).toBe(499);
    expect(list.find((e) => e.fn === 'query').ms).toBe(3);
    expect(topFunctions(gappy, 5).split('\n')[0]).toMatch(/unsampled 499 ms/);
  });

  it('prints the top five by name, file:line, self ms and %, the runtime apart', () => {
    const lines = topFunctions(profile, 5).split('\n');
    expect(lines[0]).toMatch(/top 5 self-time functions \(busy 13 ms, idle 5 ms/);
    expect(lines[1]).toMatch(/#\s+function\s+file:line\s+self ms\s+%/);
    expect(lines[3]).toMatch(/^1\s+render\s+index\.js:100\s+4\.0\s+30\.8%$/);
    expect(lines[4]).toMatch(/^2\s+query\s+index\.js:200\s+3\.0\s+23\.1%$/);
    expect(lines[5]).toMatch(/^3\s+\(anonymous\)\s+index\.js:10\s+1\.0/);
    expect(lines.slice(3, 8)).toHaveLength(5);
    expect(lines.join('\n')).not.toMatch(/^\d+\s+\(garbage collector\)/m);
    expect(lines.at(-1)).toMatch(/runtime: \(garbage collector\) 2\.0 ms \(15\.4%\)/);
  });
});
