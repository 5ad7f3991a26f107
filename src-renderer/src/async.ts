/**
 * Hands out tickets for asynchronous requests; only the newest ticket is current, so a slow answer
 * to an older request never overwrites the answer to a newer one.
 */
export interface LatestGate {
  /** A ticket for a new request; every earlier ticket stops being current. */
  next(): number;
  isCurrent(ticket: number): boolean;
  /** Makes every ticket handed out so far stale (the request is no longer wanted). */
  cancel(): void;
}

export function createLatestGate(): LatestGate {
  let newest = 0;
  return {
    next: () => ++newest,
    isCurrent: (ticket) => ticket === newest,
    cancel: () => {
      newest++;
    },
  };
}

export interface Debounced {
  /** (Re)starts the wait; the action runs once the calls stop for `ms`. */
  schedule(): void;
  /** Runs a pending action now; returns false when nothing was pending. */
  flush(): boolean;
  cancel(): void;
  readonly pending: boolean;
}

export function debounce(action: () => void, ms: number): Debounced {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  return {
    schedule() {
      cancel();
      timer = setTimeout(() => {
        timer = null;
        action();
      }, ms);
    },
    flush() {
      if (timer === null) return false;
      cancel();
      action();
      return true;
    },
    cancel,
    get pending() {
      return timer !== null;
    },
  };
}
