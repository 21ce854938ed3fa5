const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

/**
 * A Go/Istio duration (`30s`, `1m`, `500ms`, `1h30m`, `1.5s`) in milliseconds; `undefined` when
 * the text is not a duration. A plain number is not a duration (Istio wants a unit).
 */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  const value = text.trim();
  if (!/^(\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+$/.test(value)) return undefined;
  let total = 0;
  for (const [, amount, , unit] of value.matchAll(/(\d+(\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(amount) * UNIT_MS[unit];
  return total;
}

/** Milliseconds as the shortest readable duration (`30s`, `1m30s`, `500ms`). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const) {
    const amount = Math.floor(rest / size);
    if (amount) parts.push(`${amount}${unit}`);
    rest -= amount * size;
  }
  if (rest) parts.push(`${rest}ms`);
  return parts.join("");
}
