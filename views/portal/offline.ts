import { html } from '../html';

// Issue 20, part E: what the recipient sees once the contractor recorded their approval as made offline. It
// says who recorded it and never looks like a signature: no signature, no signed PDF.

export interface OfflineOutcomeProps {
  /** "Approved outside the portal" */
  heading: string;
  /** "Marked approved by Oak & Stone (recorded by Sam Carter): on paper, Dec 1, 2026" */
  label: string;
  company: string;
  /** The options recorded as chosen, by name. */
  chosen: string[];
  scan: { href: string; name: string } | null;
}

export function OfflineOutcomePanel(p: OfflineOutcomeProps) {
  return html`<section class="card stack outcome approved offline" aria-labelledby="offline-h" aria-live="polite">
    <h2 id="offline-h">${p.heading}</h2>
    <p><strong>${p.label}</strong></p>
    <p class="muted">
      ${p.company} recorded this approval; it was not signed here electronically, so there is nothing for you to sign.
      If something is not right, write to ${p.company} below.
    </p>
    ${p.chosen.length ? html`<p>Options recorded as chosen: ${p.chosen.join(', ')}</p>` : null}
    ${p.scan ? html`<p><a class="btn" href=${p.scan.href}>Download the recorded scan (${p.scan.name})</a></p>` : null}
  </section>`;
}
