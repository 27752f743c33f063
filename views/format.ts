// The one place that turns stored numbers into text: money, quantities, rates and times.

// Intl.NumberFormat#format costs microseconds a call in workerd, and a 120-line page or a 200-item
// budget makes hundreds of calls (npm run bench -- --profile). The formatter is asked once per
// currency for its symbol and separators; the digits are then written by hand. A test compares
// the result with Intl's for every currency we offer.
interface MoneyPattern {
  positive: string;
  negative: string;
  group: string;
  decimal: string;
  suffix: string;
}
const moneyPatterns = new Map<string, MoneyPattern>();

function moneyPattern(currency: string): MoneyPattern {
  let pattern = moneyPatterns.get(currency);
  if (pattern) return pattern;
  const f = new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: 2 });
  const around = (value: number) => {
    const parts = f.formatToParts(value);
    const first = parts.findIndex((p) => p.type === 'integer');
    const last = parts.findIndex((p) => p.type === 'fraction');
    return {
      before: parts
        .slice(0, first)
        .map((p) => p.value)
        .join(''),
      after: parts
        .slice(last + 1)
        .map((p) => p.value)
        .join(''),
      parts,
    };
  };
  const pos = around(1234.5);
  const neg = around(-1234.5);
  pattern = {
    positive: pos.before,
    negative: neg.before,
    group: pos.parts.find((p) => p.type === 'group')?.value ?? ',',
    decimal: pos.parts.find((p) => p.type === 'decimal')?.value ?? '.',
    suffix: pos.after,
  };
  moneyPatterns.set(currency, pattern);
  return pattern;
}

/**
 * A whole number's digits in groups of three: 1234567 -> "1,234,567". A loop, not a lookahead regex: a
 * 200-item budget page formats ~1,000 amounts, and the regex was a few percent of its CPU (npm run bench).
 */
export function groupDigits(whole: number, separator = ','): string {
  const digits = String(whole);
  let out = digits.slice(0, digits.length % 3 || 3);
  for (let i = out.length; i < digits.length; i += 3) out += separator + digits.slice(i, i + 3);
  return out;
}

export function money(cents: number, currency = 'USD'): string {
  const p = moneyPattern(currency);
  const abs = Math.abs(cents);
  const whole = groupDigits(Math.floor(abs / 100), p.group);
  return `${cents < 0 ? p.negative : p.positive}${whole}${p.decimal}${String(abs % 100).padStart(2, '0')}${p.suffix}`;
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
  const frac = String(abs % 10000)
    .padStart(4, '0')
    .replace(/0+$/, '');
  // Digits grouped by hand: Number#toLocaleString costs ~17 µs a call in workerd (a fresh ICU
  // formatter each time), which was several milliseconds of every 100-line page (npm run bench).
  return `${sign}${groupDigits(Math.floor(abs / 10000))}${frac ? '.' + frac : ''}`;
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
  const frac = String(abs % 1000)
    .padStart(3, '0')
    .replace(/0+$/, '');
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

// Intl.DateTimeFormat#format with a time zone name is the slowest formatting call a page makes,
// and a thread shows the same instants on every view. The text only goes down to the minute, so
// it is kept per zone and minute, for a bounded number of entries.
const dateTimes = new Map<string, string>();

/** An instant (epoch ms) in the org's time zone. */
export function dateTime(ms: number, timeZone: string): string {
  const key = `${timeZone}|${Math.floor(ms / 60_000)}`;
  let text = dateTimes.get(key);
  if (text === undefined) {
    text = dateTimeFormat(timeZone, true).format(new Date(ms));
    if (dateTimes.size >= 20_000) dateTimes.clear();
    dateTimes.set(key, text);
  }
  return text;
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

/** The first instant at which relativeTime(ms) reads differently than it does at `now` (a held page's bound). */
export function relativeTimeTurns(ms: number, now = Date.now()): number {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  const unit = s < 3600 ? 60 : s < 86400 ? 3600 : 86400;
  // The label counts whole units of s; s (rounded) reaches the next whole unit half a second early.
  return ms + (Math.floor(s / unit) + 1) * unit * 1000 - 500;
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** "1 bid", "3 bids", "2 budget items". */
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
