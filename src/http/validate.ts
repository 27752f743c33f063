import type { AppContext } from './context';

// Form input is read once, kept as the user's strings (to re-render the form on error) and
// converted field by field into exact values: cents, ten-thousandths, thousandths of a percent.

export type RawForm = Record<string, string>;

export async function readForm(c: AppContext): Promise<RawForm> {
  const out: RawForm = {};
  for (const [k, v] of Object.entries(await readFormLists(c))) if (v.length) out[k] = v[v.length - 1];
  return out;
}

/**
 * Every string value of every field, for forms that repeat a name (line ids, chosen items). A body that is not a form,
 * or not a well-formed one, reads as empty.
 */
export async function readFormLists(c: AppContext): Promise<Record<string, string[]>> {
  const type = c.req.header('Content-Type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) return {};
  const body = await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, unknown>);
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(body)) {
    const strings = ([] as unknown[]).concat(v).filter((x): x is string => typeof x === 'string');
    if (strings.length) out[k] = strings;
  }
  return out;
}

export const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
/**
 * Bidi embeddings, overrides and isolates: "invoice\u202Efdp.exe" shows as "invoiceexe.pdf" and can flip the text
 * around it. Letters of right-to-left scripts need none of them.
 */
export const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
const LINE_BREAKS = /[\r\n\t]+/g;

export function cleanText(value: string, multiline: boolean): string {
  const s = value.replace(CONTROL, '').replace(BIDI_CONTROLS, '').normalize('NFC');
  return (multiline ? s.replace(/\r\n?/g, '\n') : s.replace(LINE_BREAKS, ' ')).trim();
}

/** Parses "1,234.56" style decimals into an integer scaled by 10^places, exactly. */
export function parseDecimal(input: string, places: number): number | null {
  const s = input.replace(/[\s$€£]/g, '');
  // A comma only separates thousands: "12,50" is refused rather than read as 1250.
  if (s.includes(',') && !/^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$/.test(s)) return null;
  const m = /^([+-])?(\d{0,13})(?:\.(\d*))?$/.exec(s.replace(/,/g, ''));
  if (!m || (!m[2] && !m[3])) return null;
  const frac = m[3] ?? '';
  if (frac.length > places) return null;
  const n = Number(m[2] || '0') * 10 ** places + Number(frac.padEnd(places, '0') || '0');
  if (!Number.isSafeInteger(n)) return null;
  return m[1] === '-' && n !== 0 ? -n : n;
}

export function isValidIsoDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return (
    d.getUTCFullYear() === +m[1] &&
    d.getUTCMonth() === +m[2] - 1 &&
    d.getUTCDate() === +m[3] &&
    +m[1] >= 1900 &&
    +m[1] <= 2200
  );
}

const EMAIL = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[A-Za-z]{2,}$/;

interface TextOpts {
  label: string;
  required?: boolean;
  max?: number;
  multiline?: boolean;
}
interface NumberOpts {
  label: string;
  required?: boolean;
  min?: number;
  max?: number;
}

export class FormCheck {
  readonly errors: Record<string, string> = {};
  constructor(readonly raw: RawForm) {}

  get ok() {
    return Object.keys(this.errors).length === 0;
  }

  fail(name: string, message: string) {
    if (!this.errors[name]) this.errors[name] = message;
  }

  text(name: string, { label, required, max = 200, multiline }: TextOpts): string {
    const value = cleanText(this.raw[name] ?? '', !!multiline);
    if (required && !value) this.fail(name, `${label} is required.`);
    else if (value.length > max) this.fail(name, `${label} must be at most ${max.toLocaleString('en-US')} characters.`);
    return value;
  }

  email(name: string, { label, required }: { label: string; required?: boolean }): string {
    const value = this.text(name, { label, required, max: 254 }).toLowerCase();
    if (value && !EMAIL.test(value)) this.fail(name, `${label} must be an email address like name@example.com.`);
    return value;
  }

  password(name: string, { label, min = 10 }: { label: string; min?: number }): string {
    const value = (this.raw[name] ?? '').replace(CONTROL, '');
    if (!value) this.fail(name, `${label} is required.`);
    else if (value.length < min) this.fail(name, `${label} must be at least ${min} characters.`);
    else if (value.length > 200) this.fail(name, `${label} must be at most 200 characters.`);
    return value;
  }

  private decimal(
    name: string,
    places: number,
    what: string,
    { label, required, min, max }: NumberOpts,
    scaleLabel: (n: number) => string,
  ): number | null {
    const raw = cleanText(this.raw[name] ?? '', false);
    if (!raw) {
      if (required) this.fail(name, `${label} is required.`);
      return null;
    }
    const n = parseDecimal(raw, places);
    if (n === null) {
      this.fail(name, `${label} must be a number ${what}.`);
      return null;
    }
    if (min !== undefined && n < min) this.fail(name, `${label} must be at least ${scaleLabel(min)}.`);
    else if (max !== undefined && n > max) this.fail(name, `${label} must be at most ${scaleLabel(max)}.`);
    return n;
  }

  /** Money in cents: at most two decimals. */
  money(name: string, opts: NumberOpts): number | null {
    return this.decimal(name, 2, 'with at most two decimals', opts, (n) => (n / 100).toLocaleString('en-US'));
  }

  /** Quantity in ten-thousandths: at most four decimals. */
  quantity(name: string, opts: NumberOpts): number | null {
    return this.decimal(name, 4, 'with at most four decimals', opts, (n) => (n / 10000).toLocaleString('en-US'));
  }

  /** Percent in thousandths of a percent: at most three decimals. */
  rate(name: string, opts: NumberOpts): number | null {
    return this.decimal(name, 3, 'with at most three decimals', opts, (n) => `${(n / 1000).toLocaleString('en-US')}%`);
  }

  integer(name: string, opts: NumberOpts): number | null {
    return this.decimal(name, 0, 'without decimals', opts, (n) => n.toLocaleString('en-US'));
  }

  choice<T extends string>(
    name: string,
    options: readonly T[],
    { label, required = true }: { label: string; required?: boolean },
  ): T | null {
    const value = this.raw[name] ?? '';
    if ((options as readonly string[]).includes(value)) return value as T;
    if (required || value) this.fail(name, `Choose a ${label.toLowerCase()} from the list.`);
    return null;
  }

  date(name: string, { label, required }: { label: string; required?: boolean }): string | null {
    const value = cleanText(this.raw[name] ?? '', false);
    if (!value) {
      if (required) this.fail(name, `${label} is required.`);
      return null;
    }
    if (!isValidIsoDate(value)) {
      this.fail(name, `${label} must be a real date (YYYY-MM-DD).`);
      return null;
    }
    return value;
  }

  bool(name: string): boolean {
    const v = this.raw[name];
    return v === 'on' || v === 'true' || v === '1';
  }

  id(name: string): string | null {
    const v = this.raw[name] ?? '';
    return /^[a-z0-9]{8,40}$/.test(v) ? v : null;
  }
}
