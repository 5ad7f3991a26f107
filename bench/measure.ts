/** Timing and judging for `npm run bench`: interleaved rounds, percentiles, targets that fail the run. */

export interface Timing {
  p50: number;
  p95: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function timingOf(times: number[]): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

/**
 * Runs the operations interleaved: each round runs every one of them once, in an order that rotates
 * from round to round, so that each sees the same server, disk and cache conditions (a baseline timed
 * in a block of its own before or after the others is not comparable). Warm-up rounds are not timed.
 */
export async function measureInterleaved<K extends string>(rounds: number, warmup: number, ops: Record<K, (i: number) => Promise<void>>): Promise<Record<K, Timing>> {
  const names = Object.keys(ops) as K[];
  const times = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < warmup + rounds; round++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(round + j) % names.length]!;
      const t0 = performance.now();
      await ops[name](round);
      if (round >= warmup) times[name].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(names.map((n) => [n, timingOf(times[n])])) as Record<K, Timing>;
}

/** One operation timed on its own (no baseline to interleave with). */
export async function measure(rounds: number, warmup: number, op: (i: number) => Promise<void>): Promise<Timing> {
  return (await measureInterleaved(rounds, warmup, { op })).op;
}

/** The figures of a run and their targets: a missed target is said in the summary and fails `npm run bench`. */
export class Scoreboard {
  private readonly lines: string[] = [];
  private readonly missed: string[] = [];

  /** A figure with a target: `ok` decides; the line says the value, the target and, if missed, MISSED. */
  judge(name: string, value: string, target: string, ok: boolean): void {
    const line = `${ok ? 'ok    ' : 'MISSED'} ${name}: ${value} (target ${target})`;
    this.lines.push(line);
    if (!ok) this.missed.push(name);
  }

  /** A figure printed for comparison only (e.g. a ratio to raw ldapts: decided not judged). */
  note(name: string, value: string): void {
    this.lines.push(`info   ${name}: ${value}`);
  }

  print(): number {
    console.log('');
    for (const l of this.lines) console.log(`summary ${l}`);
    console.log(this.missed.length === 0 ? 'summary: every target met' : `summary: ${this.missed.length} target(s) missed: ${this.missed.join('; ')}`);
    return this.missed.length === 0 ? 0 : 1;
  }
}

export const fmt = (n: number): string => n.toFixed(2).padStart(8);
