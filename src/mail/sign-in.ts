import { html } from '../../views/html';
import { mailDocument } from '../../views/mail/message';

// "Email me a sign-in link" (issue 17): one message to a person, one link per company that has sent
// them documents. It goes from the product, not from any company, so it names every one of them to
// the person alone.

export interface SignInCompany {
  name: string;
  link: string;
  days: number;
}

const PAGE =
  'background:#f3f4f6;padding:24px 12px;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif';
const CARD = 'max-width:560px;margin:0 auto;background:#fff;border-radius:8px;border:1px solid #e5e7eb;padding:24px';
const BUTTON =
  'background:#1f5f8b;color:#fff;text-decoration:none;padding:10px 16px;border-radius:6px;display:inline-block';
const NOTE = 'font-size:12px;color:#6b7280';

const IGNORE = 'If you did not ask for this, you can ignore this email.';

export const SIGN_IN_SUBJECT = 'Your links to your documents';

export function signInMail(companies: SignInCompany[]): { subject: string; html: string; text: string } {
  const intro = 'You asked for a link to the documents sent to this address. Each company has its own link:';
  const body = html`<div style=${PAGE}>
    <div style=${CARD}>
      <h1 style="font-size:20px;margin:0 0 16px">Your documents</h1>
      <p>${intro}</p>
      ${companies.map(
        (co) => html`<p style="margin:16px 0 4px"><strong>${co.name}</strong></p>
          <p style="margin:0 0 4px"><a href=${co.link} style=${BUTTON}>Open documents from ${co.name}</a></p>
          <p style=${NOTE}>Or paste this address into your browser: ${co.link}</p>`,
      )}
      <p style=${NOTE}>${IGNORE}</p>
    </div>
  </div>`;
  const lines = ['Your documents', '', intro, ''];
  for (const co of companies) lines.push(co.name, `Open documents from ${co.name}: ${co.link}`, '');
  lines.push(IGNORE);
  return { subject: SIGN_IN_SUBJECT, html: mailDocument(body), text: `${lines.join('\n')}\n` };
}
