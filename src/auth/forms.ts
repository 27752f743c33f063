import { CONTROL, FormCheck, type RawForm } from '../http/validate';

// The contractor's account forms, parsed and checked: plain values out, or each field's message.

export const CURRENCIES = ['USD', 'CAD', 'EUR', 'GBP', 'AUD', 'NZD'] as const;
export const COMMON_ZONES = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Phoenix',
  'America/Los_Angeles',
  'America/Anchorage',
  'Pacific/Honolulu',
  'America/Toronto',
  'America/Vancouver',
  'Europe/London',
  'Europe/Dublin',
  'Europe/Berlin',
  'Australia/Sydney',
  'Pacific/Auckland',
  'UTC',
];

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0 && zone.length < 64;
  } catch {
    return false;
  }
}

/**
 * A path on this site. Browsers drop tabs and line breaks from a URL, so "/\t/evil.example" would
 * become "//evil.example": refuse them all.
 */
export function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])/.test(next) && !/[\u0000-\u0020\u007f\\]/.test(next) ? next : '/';
}

export function checkSignIn(raw: RawForm) {
  const f = new FormCheck(raw);
  const email = f.email('email', { label: 'Email', required: true });
  // Read the way sign-up and invitations stored it (control characters dropped), or such a password never matches.
  const password = (raw.password ?? '').replace(CONTROL, '');
  if (!password) f.fail('password', 'Password is required.');
  return { f, values: { email, password } };
}

export function checkSignUp(raw: RawForm) {
  const f = new FormCheck(raw);
  const company = f.text('company', { label: 'Company name', required: true, max: 120 });
  const timeZone = f.text('timeZone', { label: 'Time zone', required: true, max: 64 });
  if (timeZone && !isTimeZone(timeZone)) f.fail('timeZone', 'Choose a time zone from the list.');
  const currency = f.choice('currency', CURRENCIES, { label: 'Currency' });
  const name = f.text('name', { label: 'Your name', required: true, max: 120 });
  const email = f.email('email', { label: 'Email', required: true });
  const password = f.password('password', { label: 'Password' });
  return { f, values: { company, timeZone, currency: currency ?? 'USD', name, email, password } };
}

export function checkAcceptInvite(raw: RawForm) {
  const f = new FormCheck(raw);
  const name = f.text('name', { label: 'Your name', required: true, max: 120 });
  const password = f.password('password', { label: 'Password' });
  return { f, values: { name, password } };
}

/** The password-reset request: just the email. */
export function checkEmail(raw: RawForm) {
  const f = new FormCheck(raw);
  const email = f.email('email', { label: 'Email', required: true });
  return { f, values: { email } };
}

/** A new password, by the same rules as sign-up's. */
export function checkNewPassword(raw: RawForm) {
  const f = new FormCheck(raw);
  const password = f.password('password', { label: 'New password' });
  return { f, values: { password } };
}

/** An email change: the new address and the current password. */
export function checkEmailChange(raw: RawForm) {
  const f = new FormCheck(raw);
  const email = f.email('email', { label: 'New email', required: true });
  const password = (raw.password ?? '').replace(CONTROL, '');
  if (!password) f.fail('password', 'Your current password is required.');
  return { f, values: { email, password } };
}
