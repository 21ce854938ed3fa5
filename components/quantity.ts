const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, m: 1e-3 };

/** A Kubernetes quantity in its base unit (bytes for memory, cores for CPU). */
export function parseQuantity(value: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T|m)?$/.exec(value);
  if (!match) throw new Error(`not a Kubernetes quantity: "${value}"`);
  const unit = match[2] ?? "";
  return Number(match[1]) * (BINARY[unit] ?? DECIMAL[unit] ?? 1);
}
