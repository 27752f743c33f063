import { renderToString } from 'preact-render-to-string';
import { html, type Children } from '../html';

export interface MailBrand {
  companyName: string;
  brandColor: string;
  address?: string;
  phone?: string;
  email?: string;
}

export interface MailContent {
  brand: MailBrand;
  preheader?: string;
  heading: string;
  paragraphs: string[];
  quote?: string; // a personal message or comment, shown set apart
  facts?: { label: string; value: string }[];
  button?: { label: string; href: string };
  footnote?: string;
}

const safeColor = (c: string) => (/^#[0-9a-fA-F]{6}$/.test(c) ? c : '#1f5f8b');

// Inline styles (mail clients ignore style sheets), kept whole here so the markup below stays readable.
const PAGE_STYLE =
  'background:#f3f4f6;padding:24px 12px;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;' +
  'color:#111827';
const CARD_STYLE =
  'max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;overflow:hidden;border:1px solid #e5e7eb';
const FACT_VALUE_STYLE = 'padding:4px 0;text-align:right;font-weight:600';
const PASTE_STYLE = 'font-size:12px;color:#6b7280;word-break:break-all';
const CONTACT_STYLE = 'padding:12px 24px;font-size:12px;color:#6b7280;border-top:1px solid #e5e7eb';

function Body({ m }: { m: MailContent }): Children {
  const color = safeColor(m.brand.brandColor);
  const contact = [m.brand.address, m.brand.phone, m.brand.email].filter(Boolean).join(' · ');
  const headerStyle = `background:${color};color:#ffffff;padding:16px 24px;font-size:18px;font-weight:600`;
  const quoteStyle =
    `margin:16px 0;padding:12px 16px;border-left:4px solid ${color};` + 'background:#f9fafb;white-space:pre-wrap';
  const buttonStyle =
    `background:${color};color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:6px;` +
    'display:inline-block;font-weight:600';
  return html`<div style=${PAGE_STYLE}>
    ${m.preheader ? html`<div style="display:none;max-height:0;overflow:hidden">${m.preheader}</div>` : null}
    <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style=${CARD_STYLE}>
      <tr><td style=${headerStyle}>${m.brand.companyName}</td></tr>
      <tr><td style="padding:24px">
        <h1 style="font-size:20px;margin:0 0 16px">${m.heading}</h1>
        ${m.paragraphs.map((p) => html`<p style="margin:0 0 12px;line-height:1.5">${p}</p>`)}
        ${m.quote ? html`<blockquote style=${quoteStyle}>${m.quote}</blockquote>` : null}
        ${
          m.facts?.length
            ? html`<table role="presentation" cellpadding="0" cellspacing="0" style="margin:16px 0;width:100%">
                ${m.facts.map(
                  (f) =>
                    html`<tr>
                      <td style="padding:4px 0;color:#4b5563">${f.label}</td>
                      <td style=${FACT_VALUE_STYLE}>${f.value}</td>
                    </tr>`,
                )}
              </table>`
            : null
        }
        ${
          m.button
            ? html`<p style="margin:24px 0"><a href=${m.button.href} style=${buttonStyle}>${m.button.label}</a></p>
              <p style=${PASTE_STYLE}>Or paste this address into your browser: ${m.button.href}</p>`
            : null
        }
        ${m.footnote ? html`<p style="font-size:12px;color:#6b7280;margin-top:24px">${m.footnote}</p>` : null}
      </td></tr>
      ${contact ? html`<tr><td style=${CONTACT_STYLE}>${contact}</td></tr>` : null}
    </table>
  </div>`;
}

/** An email's whole HTML document around its body. */
export const mailDocument = (body: unknown) =>
  `<!doctype html><html><body style="margin:0">${renderToString(body as never)}</body></html>`;

export function renderMail(m: MailContent): { html: string; text: string } {
  const htmlBody = mailDocument(html`<${Body} m=${m} />`);
  const lines = [m.brand.companyName, '', m.heading, '', ...m.paragraphs.flatMap((p) => [p, ''])];
  if (m.quote)
    lines.push(
      m.quote
        .split('\n')
        .map((l) => `> ${l}`)
        .join('\n'),
      '',
    );
  if (m.facts?.length) lines.push(...m.facts.map((f) => `${f.label}: ${f.value}`), '');
  if (m.button) lines.push(`${m.button.label}: ${m.button.href}`, '');
  if (m.footnote) lines.push(m.footnote, '');
  const contact = [m.brand.address, m.brand.phone, m.brand.email].filter(Boolean).join(' · ');
  if (contact) lines.push('--', contact);
  return { html: htmlBody, text: lines.join('\n').trim() + '\n' };
}
