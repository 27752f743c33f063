// The browser islands that export pure functions, imported by tests to check them against the server's math.
declare module '*/public/bid.js' {
  /** A typed unit cost in cents: null when empty (no bid), undefined when the server would refuse it. */
  export function unitCents(text: string): bigint | null | undefined;
  /** Quantity (ten-thousandths) × unit cost (cents), rounded once, half away from zero; undefined past the cap. */
  export function lineCents(quantity: number | string, unit: bigint): bigint | undefined;
}
