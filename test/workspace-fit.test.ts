import { describe, expect, it } from 'vitest';
import { Browser, signUp, uniqueEmail } from './helpers';

// Issue 14, "Pages that fit": sign-in says what is wrong where the eye is, keeps the email and
// offers "Forgot password?" by the password field. (The layout itself is tested in Chromium:
// test/e2e/a11y-dashboard.e2e.mjs.)

/** The form summary's markup (the alert above the form), or undefined. */
const summaryOf = (page: string) => /<div class="form-summary"[\s\S]*?<\/div>/.exec(page)?.[0];
const text = (markup = '') =>
  markup
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

describe('sign-in', () => {
  it('offers "Forgot password?" next to the password field', async () => {
    const page = await (await new Browser().get('/sign-in')).text();
    const field = /<div class="field[^"]*">(?:(?!<div class="field)[\s\S])*?id="f-password"/.exec(page)?.[0];
    expect(field).toContain('<a class="small" href="/reset-password">Forgot password?</a>');
    expect(page).not.toContain('Forgot your password?');
  });

  it('says "Email or password is wrong" at the top, focused, with nothing "marked below", and keeps the email', async () => {
    const { email } = await signUp();
    for (const tried of [email, uniqueEmail('nobody')]) {
      const res = await new Browser().post('/sign-in', { email: tried, password: 'not the password 2026' });
      expect(res.status).toBe(422);
      const page = await res.text();
      const summary = summaryOf(page)!;
      expect(summary).toMatch(/role="alert"/);
      expect(summary).toMatch(/tabindex="-1"/);
      expect(summary).toMatch(/autofocus/);
      expect(text(summary)).toMatch(/^Email or password is wrong\. Check them and try again\./);
      expect(page).not.toContain('marked below');
      expect(page).not.toContain('aria-invalid');
      // Above the form, and the address typed is still in its field.
      expect(page.indexOf('class="form-summary"')).toBeLessThan(page.indexOf('<form method="post" action="/sign-in"'));
      expect(page).toMatch(new RegExp(`id="f-email"[^>]*value="${tried.replace(/[.+]/g, '\\$&')}"`));
    }
  });

  it('still counts only the fields marked when a field is wrong', async () => {
    const res = await new Browser().post('/sign-in', { email: 'not-an-address', password: '' });
    expect(res.status).toBe(422);
    const summary = text(summaryOf(await res.text()));
    expect(summary).toBe('Please fix the 2 fields marked below.');
  });
});
