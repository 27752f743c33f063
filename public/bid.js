// A bid's line and running totals while typing, read and rounded as the server does (parseDecimal, bidTotal).

/** Cents: null when empty (no bid), undefined when the server would refuse it. */
export function unitCents(text) {
  const s = text.replace(/[\s$€£]/g, '');
  const m = /^([+-])?(\d{0,13})(?:\.(\d{0,2}))?$/.exec(s.replace(/,/g, ''));
  if (!s) return null;
  if ((s.includes(',') && !/^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$/.test(s)) || !m || !(m[2] || m[3])) return;
  const cents = BigInt(m[2] || 0) * 100n + BigInt((m[3] ?? '').padEnd(2, 0));
  return cents > 1_000_000_000n || (m[1] === '-' && cents) ? undefined : cents;
}

/** Quantity (ten-thousandths) × unit cost, half away from zero; undefined past $10 billion. */
export function lineCents(quantity, unit) {
  const n = BigInt(quantity) * unit;
  const q = n / 10000n + BigInt((n % 10000n) * 2n >= 10000n);
  return q > 1_000_000_000_000n ? undefined : q;
}

const lines = globalThis.document?.querySelector('[data-bid-lines]');
if (lines) {
  const f = new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: lines.dataset.currency,
    minimumFractionDigits: 2,
  });
  const $ = (s) => document.querySelector(s);
  addEventListener('input', () => {
    let sum = 0n;
    let priced = 0;
    const all = document.querySelectorAll('[data-bid-lines] [data-qty]');
    for (const line of all) {
      const unit = unitCents(line.querySelector('input').value);
      const total = unit == null ? unit : lineCents(line.dataset.qty, unit);
      line.querySelector('[data-line-total]').textContent =
        total === null ? 'No bid' : total === undefined ? 'Check this amount' : f.format(Number(total) / 100);
      if (total != null) {
        sum += total;
        priced++;
      }
    }
    $('[data-bid-total]').textContent = priced ? f.format(Number(sum) / 100) : 'No bid';
    $('[data-bid-count]').textContent = `${priced} of ${all.length} lines priced`;
  });
}
