import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as __async from '../../../src-renderer/src/async';

const { createLatestGate, debounce } = __async;

describe('createLatestGate', () => {
  it('keeps only the newest ticket current, so older answers are dropped', async () => {
    const gate = createLatestGate();
    const shown: string[] = [];
    const request = async (answer: string, delay: number) => {
      const ticket = gate.next();
      await new Promise((r) => setTimeout(r, delay));
      if (gate.isCurrent(ticket)) shown.push(answer);
    };
    await Promise.all([request('old, slow', 30), request('new, fast', 5)]);
    expect(shown).toEqual(['new, fast']);
  });

  it('cancel makes every outstanding ticket stale', () => {
    const gate = createLatestGate();
    const t = gate.next();
    gate.cancel();
    expect(gate.isCurrent(t)).toBe(false);
  });
});

describe('debounce', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs once, 250 ms after the last call', () => {
    const action = vi.fn();
    const d = debounce(action, 250);
    d.schedule();
    vi.advanceTimersByTime(200);
    d.schedule();
    vi.advanceTimersByTime(200);
    expect(action).not.toHaveBeenCalled();
    vi.advanceTimersByTime(50);
    expect(action).toHaveBeenCalledTimes(1);
    expect(d.pending).toBe(false);
  });

  it('flush runs a pending action at once, and only a pending one', () => {
    const action = vi.fn();
    const d = debounce(action, 250);
    expect(d.flush()).toBe(false);
    d.schedule();
    expect(d.flush()).toBe(true);
    expect(action).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(500);
    expect(action).toHaveBeenCalledTimes(1);
  });

  it('cancel drops a pending action', () => {
    const action = vi.fn();
    const d = debounce(action, 250);
    d.schedule();
    d.cancel();
    vi.advanceTimersByTime(500);
    expect(action).not.toHaveBeenCalled();
  });
});
