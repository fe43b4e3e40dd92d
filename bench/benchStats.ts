/** Medians and spreads of repeated measures, and the plain-text table the bench prints. */

/** Several runs of one measure. */
export interface Measure {
  readonly name: string;
  readonly unit: string;
  readonly values: readonly number[];
}

export interface MeasureSummary {
  readonly name: string;
  readonly unit: string;
  readonly repetitions: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly values: readonly number[];
}

/** Median (mean of the middle two for an even count), min and max of `measure`. */
export function summarize(measure: Measure): MeasureSummary {
  const sorted = [...measure.values].sort((a, b) => a - b);
  if (sorted.length === 0) throw new Error(`no values for ${measure.name}`);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return {
    name: measure.name,
    unit: measure.unit,
    repetitions: sorted.length,
    median,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    values: measure.values,
  };
}

/** A number with at most `digits` decimals and thousands separators. */
export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Rows of cells as a left-aligned text table with a rule under the header. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  // Numbers read better right-aligned; the first column is a label.
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
