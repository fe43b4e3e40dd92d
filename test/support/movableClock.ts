/** A gateway clock that a test moves by hand, forward by some time or to a given instant. */
import type { Clock } from '../../common/clock.js';

/** A clock the test moves by hand, starting at `start`. */
export interface MovableClock extends Clock {
  /** Moves the clock `ms` milliseconds on. */
  advance(ms: number): void;
  /** Sets the clock to `at` (an ISO 8601 instant or epoch milliseconds). */
  set(at: string | number): void;
}

/** A clock standing at `start` (ISO 8601) until the test moves it. */
export function movableClock(start: string): MovableClock {
  let at = new Date(start).getTime();
  return {
    now: () => new Date(at),
    advance: (ms) => void (at += ms),
    set: (to) => void (at = typeof to === 'number' ? to : new Date(to).getTime()),
  };
}
