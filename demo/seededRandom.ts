/**
 * A small seeded pseudo-random generator (mulberry32) for the demo data: the
 * same seed always yields the same rows, so the demo and its tests are stable.
 */

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T;
  /** One element of a non-empty list of [value, weight] pairs, by weight. */
  weighted<T>(list: readonly (readonly [T, number])[]): T;
  /** A shuffled copy of a list (Fisher-Yates). */
  shuffle<T>(list: readonly T[]): T[];
}

/** A generator whose sequence depends only on `seed` (taken as an unsigned 32-bit integer). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (list) => list[Math.floor(next() * list.length)]!,
    weighted(list) {
      const total = list.reduce((sum, [, weight]) => sum + weight, 0);
      let point = next() * total;
      for (const [value, weight] of list) {
        point -= weight;
        if (point < 0) return value;
      }
      return list[list.length - 1]![0];
    },
    shuffle(list) {
      const copy = [...list];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = int(0, i);
        [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      }
      return copy;
    },
  };
}
