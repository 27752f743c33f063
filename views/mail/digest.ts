import { html } from '../html';
import { mailDocument } from './message';

// The contractor's daily digest (issue 16): sections of lines, each a link to its document.

export interface DigestLine {
  /** "EST-0002 · Kitchen remodel" */
  label: string;
  /** "signed by Dana Rivera" */
  text: string;
  /** A quoted comment, set apart under the line. */
  quote?: string;
  href: string;
}

export interface DigestSection {
  title: string;
  lines: DigestLine[];
  /** Lines left out of a long section. */
  more: number;
}

export interface DigestMailProps {
  companyName: string;
  brandColor: string;
  heading: string;
  intro: string;
  sections: DigestSection[];
  /** The dashboard's home, and the digest switch in Settings → Reminders. */
  homeHref: string;
  settingsHref: string;
}

const safeColor = (c: string) => (/^#[0-9a-fA-F]{6}$/.test(c) ? c : '#1f5f8b');

const PAGE_STYLE =
  'background:#f3f4f6;padding:24px 12px;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;' +
  'color:#111827';
const CARD_STYLE =
  'max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;overflow:hidden;border:1px solid #e5e7eb';
const H2_STYLE = 'font-size:16px;margin:24px 0 8px;padding-bottom:4px;border-bottom:1px solid #e5e7eb';
const LINE_STYLE = 'margin:0 0 10px;line-height:1.5';
const QUOTE_STYLE = 'display:block;margin:4px 0 0;padding:4px 10px;border-left:3px solid #d1d5db;color:#374151';
const FOOT_STYLE = 'padding:12px 24px;font-size:12px;color:#6b7280;border-top:1px solid #e5e7eb;line-height:1.5';

function Body({ m }: { m: DigestMailProps }) {
  const color = safeColor(m.brandColor);
  const headerStyle = `background:${color};color:#ffffff;padding:16px 24px;font-size:18px;font-weight:600`;
  const linkStyle = `color:${color};font-weight:600`;
  return html`<div style=${PAGE_STYLE}>
    <div style="display:none;max-height:0;overflow:hidden">${m.intro}</div>
    <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style=${CARD_STYLE}>
      <tr><td style=${headerStyle}>${m.companyName}</td></tr>
      <tr><td style="padding:24px">
        <h1 style="font-size:20px;margin:0 0 8px">${m.heading}</h1>
        <p style="margin:0 0 8px;color:#4b5563">${m.intro}</p>
        ${m.sections.map(
          (s) => html`<h2 style=${H2_STYLE}>${s.title}</h2>
            ${s.lines.map(
              (l) =>
                html`<p style=${LINE_STYLE}>
                  <a href=${l.href} style=${linkStyle}>${l.label}</a>${' — '}${l.text}
                  ${l.quote ? html`<span style=${QUOTE_STYLE}>${l.quote}</span>` : null}
                </p>`,
            )}
            ${s.more ? html`<p style=${LINE_STYLE}><a href=${m.homeHref}>and ${s.more} more</a></p>` : null}`,
        )}
      </td></tr>
      <tr><td style=${FOOT_STYLE}>
        You get this email because your daily digest is on.${' '}
        <a href=${m.settingsHref} style="color:#4b5563">Turn off your daily digest</a>
      </td></tr>
    </table>
  </div>`;
}

export function renderDigestMail(m: DigestMailProps): { html: string; text: string } {
  const htmlBody = mailDocument(html`<${Body} m=${m} />`);
  const out = [m.companyName, '', m.heading, '', m.intro, ''];
  for (const s of m.sections) {
    out.push(s.title.toUpperCase());
    for (const l of s.lines) {
      out.push(`- ${l.label} — ${l.text}`);
      if (l.quote) out.push(`  "${l.quote}"`);
      out.push(`  ${l.href}`);
    }
    if (s.more) out.push(`- and ${s.more} more: ${m.homeHref}`);
    out.push('');
  }
  out.push('--', `Turn off your daily digest: ${m.settingsHref}`);
  return { html: htmlBody, text: `${out.join('\n').trim()}\n` };
}
