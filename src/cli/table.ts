// Plain-text tables for the terminal: columns padded to their widest cell, numbers right-aligned.

/** One column: its header and whether its cells are right-aligned (numbers). */
export interface Column {
  readonly header: string;
  readonly right?: boolean;
}

/** The lines of a table of `rows` under `columns`, two spaces between columns. */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string[] {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (columns[i]!.right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.header)), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** x as a percentage with `digits` decimals: 0.9123 → "91.23%". */
export function percent(x: number, digits = 2): string {
  return `${(100 * x).toFixed(digits)}%`;
}
