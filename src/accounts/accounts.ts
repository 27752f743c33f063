import { FormCheck, type RawForm } from '../http/validate';

export const ACCOUNT_KINDS = ['customer', 'vendor'] as const;

/** The account form; an edit keeps the account's kind, so `kind` is only read for a new account. */
export function checkAccount(raw: RawForm, editing = false) {
  const f = new FormCheck(raw);
  const kind = editing ? null : f.choice('kind', ACCOUNT_KINDS, { label: 'Kind' });
  const values = {
    name: f.text('name', { label: 'Name', required: true, max: 120 }),
    email: f.email('email', { label: 'Email' }),
    phone: f.text('phone', { label: 'Phone', max: 40 }),
    address: f.text('address', { label: 'Address', max: 300, multiline: true }),
    notes: f.text('notes', { label: 'Notes', max: 2000, multiline: true }),
  };
  return { f, kind, values };
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
