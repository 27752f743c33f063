// "Your choices" (views/portal/choices.ts): the total as options are ticked, computed as the server's
// documentTotals does (budget/totals.ts). The boxes are the sign form's own inputs (form="sign-form").

/** Divides exactly and rounds half away from zero (totals.ts divRound), on BigInt. */
export function divRound(n, d) {
  const negative = n < 0n !== d < 0n;
  const a = n < 0n ? -n : n;
  const b = d < 0n ? -d : d;
  const q = a / b + BigInt((a % b) * 2n >= b);
  return negative ? -q : q;
}

/** The totals of a choice: the required lines' subtotal plus what each chosen option adds; tax on the taxable part. */
export function choiceTotals(base, picked) {
  let subtotal = BigInt(base.subtotal);
  let taxable = BigInt(base.taxable);
  for (const o of picked) {
    subtotal += BigInt(o.adds);
    taxable += BigInt(o.addsTaxable);
  }
  const tax = divRound(taxable * BigInt(base.taxRate), 100000n);
  const total = subtotal + tax;
  const value = BigInt(base.depositValue);
  const positive = total > 0n ? total : 0n;
  const deposit =
    base.depositKind === 'percent'
      ? divRound(total * value, 100000n)
      : base.depositKind === 'fixed'
        ? value < positive
          ? value
          : positive
        : 0n;
  return { subtotal, tax, total, deposit };
}

function update(section) {
  const d = section.dataset;
  const f = new Intl.NumberFormat('en-US', { style: 'currency', currency: d.currency, minimumFractionDigits: 2 });
  const inputs = [...section.querySelectorAll('input[data-adds]')];
  const picked = inputs
    .filter((i) => i.checked)
    .map((i) => ({ adds: i.dataset.adds, addsTaxable: i.dataset.addsTaxable }));
  const base = {
    subtotal: d.baseSubtotal,
    taxable: d.baseTaxable,
    taxRate: d.taxRate,
    depositKind: d.depositKind,
    depositValue: d.depositValue,
  };
  const totals = choiceTotals(base, picked);
  for (const key of ['subtotal', 'tax', 'total', 'deposit']) {
    const out = section.querySelector(`[data-choice-${key}]`);
    if (out) out.textContent = f.format(Number(totals[key]) / 100);
  }
}

if (globalThis.document) {
  // Delegated: the decision region is swapped by live.js, and the new section works the same.
  document.addEventListener('change', (e) => {
    const section = e.target instanceof Element && e.target.closest('[data-choices]');
    if (section) update(section);
  });
  for (const section of document.querySelectorAll('[data-choices]')) {
    // With the total live, the button only matters without scripts.
    const button = section.querySelector('[data-choices-update]');
    if (button) button.hidden = true;
    update(section);
  }
}
