import { FormCheck, type RawForm } from '../http/validate';

export const ACCOUNT_KINDS = ['customer', 'vendor'] as const;

export function checkAccount(raw: RawForm) {
  const f = new FormCheck(raw);
  const values = {
    kind: f.choice('kind', ACCOUNT_KINDS, { label: 'Kind' }),
    name: f.text('name', { label: 'Name', required: true, max: 120 }),
    email: f.email('email', { label: 'Email' }),
    phone: f.text('phone', { label: 'Phone', max: 40 }),
    address: f.text('address', { label: 'Address', max: 300, multiline: true }),
    notes: f.text('notes', { label: 'Notes', max: 2000, multiline: true }),
  };
  return { f, values };
}

export function checkContact(raw: RawForm, prefix = '') {
  const f = new FormCheck(raw);
  const values = {
    name: f.text(`${prefix}name`, { label: 'Contact name', required: true, max: 120 }),
    email: f.email(`${prefix}email`, { label: 'Contact email', required: true }),
    phone: f.text(`${prefix}phone`, { label: 'Contact phone', max: 40 }),
  };
  return { f, values };
}
