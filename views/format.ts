// The one place that turns stored numbers into text: money, quantities, rates and times.

const moneyFormats = new Map<string, Intl.NumberFormat>();

export function money(cents: number, currency = 'USD'): string {
  let f = moneyFormats.get(currency);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: 2 });
    moneyFormats.set(currency, f);
  }
  return f.format(cents / 100);
}

/** Cents as a plain decimal for form inputs: 123456 -> "1234.56". */
export function centsInput(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Ten-thousandths as a plain decimal: 15000 -> "1.5". */
export function quantity(q: number): string {
  const sign = q < 0 ? '-' : '';
  const abs = Math.abs(q);
  const frac = String(abs % 10000).padStart(4, '0').replace(/0+$/, '');
  // Digits grouped by hand: Number#toLocaleString costs ~17 µs a call in workerd (a fresh ICU
  // formatter each time), which was several milliseconds of every 100-line page (npm run bench).
  return `${sign}${String(Math.floor(abs / 10000)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${frac ? '.' + frac : ''}`;
}

export function quantityInput(q: number): string {
  return quantity(q).replace(/,/g, '');
}

/** Thousandths of a percent: 8875 -> "8.875%". */
export function percent(rate: number): string {
  return `${rateInput(rate)}%`;
}

export function rateInput(rate: number): string {
  const sign = rate < 0 ? '-' : '';
  const abs = Math.abs(rate);
  const frac = String(abs % 1000).padStart(3, '0').replace(/0+$/, '');
  return `${sign}${Math.floor(abs / 1000)}${frac ? '.' + frac : ''}`;
}

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();
function dateTimeFormat(timeZone: string, withTime: boolean) {
  const key = `${timeZone}|${withTime}`;
  let f = dateTimeFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      ...(withTime ? { hour: 'numeric', minute: '2-digit', timeZoneName: 'short' } : {}),
    });
    dateTimeFormats.set(key, f);
  }
  return f;
}

/** An instant (epoch ms) in the org's time zone. */
export function dateTime(ms: number, timeZone: string): string {
  return dateTimeFormat(timeZone, true).format(new Date(ms));
}

/** A calendar date stored as 'YYYY-MM-DD' (no zone conversion). */
export function calendarDate(iso: string | null | undefined): string {
  if (!iso) return '';
  return dateTimeFormat('UTC', false).format(new Date(`${iso}T00:00:00Z`));
}

export function relativeTime(ms: number, now = Date.now()): string {
  const s = Math.round((now - ms) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
