/** Time as an argument: code that needs "now" takes a Clock, so tests can fix it. */
export interface Clock {
  now(): Date;
}

/** The system clock. */
export const systemClock: Clock = Object.freeze({ now: () => new Date() });

/** A clock that always answers `at` (tests, replays). */
export function fixedClock(at: Date): Clock {
  return { now: () => new Date(at.getTime()) };
}
