import { costTypes } from '../db/schema';
import { FormCheck, type RawForm } from '../http/validate';
import { MAX_LINE_TOTAL, MAX_QUANTITY, MAX_UNIT_AMOUNT, lineTotal, priceFromMarkup } from './totals';

export function checkJob(raw: RawForm) {
  const f = new FormCheck(raw);
  const values = {
    name: f.text('name', { label: 'Job name', required: true, max: 120 }),
    address: f.text('address', { label: 'Address', max: 300, multiline: true }),
    customerAccountId: raw.customerAccountId ? f.id('customerAccountId') : null,
  };
  if (raw.customerAccountId && !values.customerAccountId)
    f.fail('customerAccountId', 'Choose a customer from the list.');
  return { f, values };
}

export function checkGroup(raw: RawForm) {
  const f = new FormCheck(raw);
  return { f, values: { name: f.text('name', { label: 'Group name', required: true, max: 120 }) } };
}

export const MAX_MARKUP = 10_000_000; // 10,000%

/** Validates a cost item. Markup % or unit price determines the price, as the form's priceBy says. */
export function checkItem(raw: RawForm) {
  const f = new FormCheck(raw);
  const name = f.text('name', { label: 'Name', required: true, max: 200 });
  const description = f.text('description', { label: 'Description', max: 4000, multiline: true });
  const costCode = f.text('costCode', { label: 'Cost code', max: 40 });
  const costType = f.choice('costType', costTypes, { label: 'Cost type' });
  const quantity = f.quantity('quantity', { label: 'Quantity', required: true, min: 0, max: MAX_QUANTITY });
  const unit = f.text('unit', { label: 'Unit', max: 20 });
  const unitCost = f.money('unitCost', { label: 'Unit cost', required: true, min: 0, max: MAX_UNIT_AMOUNT });
  const priceBy = raw.priceBy === 'price' ? 'price' : 'markup';
  let unitPrice: number | null = null;
  if (priceBy === 'markup') {
    const markup = f.rate('markup', { label: 'Markup', required: true, min: -100_000, max: MAX_MARKUP });
    if (markup !== null && unitCost !== null) unitPrice = priceFromMarkup(unitCost, markup);
  } else {
    unitPrice = f.money('unitPrice', { label: 'Unit price', required: true, min: 0, max: MAX_UNIT_AMOUNT });
  }
  if (unitPrice !== null && unitPrice > MAX_UNIT_AMOUNT)
    f.fail('markup', 'That markup makes the unit price larger than we can handle.');
  if (
    quantity !== null &&
    unitPrice !== null &&
    unitCost !== null &&
    Math.max(lineTotal(quantity, unitPrice), lineTotal(quantity, unitCost)) > MAX_LINE_TOTAL
  ) {
    f.fail('quantity', 'Quantity × unit price is larger than we can handle ($10 billion per item).');
  }
  const vendorAccountId = raw.vendorAccountId ? f.id('vendorAccountId') : null;
  if (raw.vendorAccountId && !vendorAccountId) f.fail('vendorAccountId', 'Choose a vendor from the list.');
  const groupId = f.id('groupId');
  if (!groupId) f.fail('groupId', 'Choose a group from the list.');
  return {
    f,
    values: {
      name,
      description,
      costCode,
      costType: costType ?? 'other',
      quantity: quantity ?? 0,
      unit,
      unitCost: unitCost ?? 0,
      unitPrice: unitPrice ?? 0,
      taxable: f.bool('taxable'),
      vendorAccountId,
      groupId: groupId ?? '',
    },
  };
}

/** The position updates that move one entry up or down among its siblings. */
export function moveUpdates<T extends { id: string; position: number }>(
  siblings: T[],
  id: string,
  direction: 'up' | 'down',
): { id: string; position: number }[] {
  const sorted = [...siblings].sort((a, b) => a.position - b.position);
  const i = sorted.findIndex((s) => s.id === id);
  const j = direction === 'up' ? i - 1 : i + 1;
  if (i < 0 || j < 0 || j >= sorted.length) return [];
  const a = sorted[i];
  const b = sorted[j];
  // Positions may collide after deletions; renumber the pair so the order is strict.
  const low = Math.min(a.position, b.position);
  const high = Math.max(a.position, b.position) === low ? low + 1 : Math.max(a.position, b.position);
  return direction === 'up'
    ? [
        { id: a.id, position: low },
        { id: b.id, position: high },
      ]
    : [
        { id: b.id, position: low },
        { id: a.id, position: high },
      ];
}
