import { html, type Children } from '../html';
import { brandCss, Document } from '../layout/page';

// What a recipient sees when the way in no longer works: an expired or turned-off link, a portal
// session that ended on this device, or nothing at all (a stranger, a new device). Never the
// contractor's sign-in, never "Page not found".

/** The company whose link it was: enough to brand the page, nothing about any document. */
export interface EndedBrand {
  orgId: string;
  name: string;
  brandColor: string;
  hasLogo: boolean;
  phone: string;
  email: string;
}

/**
 * Why the way in ended. 'link-expired' and 'session-expired' can be renewed by email; after
 * 'access-changed' (the contractor turned the link off) or 'unavailable' (the document is not
 * theirs to see now) only the contractor can help.
 */
export type EndedReason = 'link-expired' | 'session-expired' | 'access-changed' | 'unavailable';

export interface EndedPageProps {
  /** `siteCsrf`: the browser's own token, for the public sign-in form (a portal page's `csrf` is its company's). */
  ctx: { nonce: string; csrf: string; siteCsrf?: string };
  brand: EndedBrand;
  reason: EndedReason;
  /** The address on file, masked (d•••@example.test); shown with the button when a new link can be sent. */
  maskedEmail: string | null;
  /** What the "Email me a new link" form sends back: the link held, or the document the page was opened at. */
  token?: string;
  documentId?: string;
  /** The answer after "Email me a new link". */
  sent?: boolean;
}

const HEADINGS: Record<EndedReason, string> = {
  'link-expired': 'This link has expired',
  'session-expired': 'This page has expired',
  'access-changed': 'This link no longer works',
  unavailable: 'This document is not available',
};

const SENT_AFTER = ', if the document is still shared with you. It can take a few minutes to arrive.';

function explanation(reason: EndedReason, org: string) {
  switch (reason) {
    case 'link-expired':
      return `Links to documents from ${org} stop working after a while, to keep them private.`;
    case 'session-expired':
      return `To keep documents from ${org} private, this device stops showing them after 30 days without a visit.`;
    case 'access-changed':
      return `${org} turned this link off. If you still need the document, ask ${org} to send it to you again.`;
    case 'unavailable':
      return `${org} may have withdrawn it. If you expected to see it, ask ${org} to send it to you again.`;
  }
}

/** How to reach the company: name, phone, email. */
function Reach({ brand }: { brand: EndedBrand }) {
  return html`<p class="ended-reach">
    <span>${brand.name}</span>
    ${brand.phone ? html`<a href=${`tel:${brand.phone.replace(/[^\d+]/g, '')}`}>${brand.phone}</a>` : null}
    ${brand.email ? html`<a href=${`mailto:${brand.email}`}>${brand.email}</a>` : null}
  </p>`;
}

export function EndedPage({ ctx, brand, reason, maskedEmail, token, documentId, sent }: EndedPageProps) {
  const renewable = (reason === 'link-expired' || reason === 'session-expired') && !!maskedEmail;
  const title = sent && renewable ? 'Check your email' : HEADINGS[reason];
  const onFile = `, the address ${brand.name} has on file.`;
  return html`<${Document}
    title=${`${title} · ${brand.name}`}
    nonce=${ctx.nonce}
    bodyClass="portal ended"
    styles=${[brandCss(brand.brandColor)]}
  >
    <header class="portal-header">
      <span class="portal-brand">
        ${brand.hasLogo ? html`<img src=${`/brand/${brand.orgId}/logo`} alt="" class="brand-logo" />` : null}
        <span>${brand.name}</span>
      </span>
    </header>
    <main id="main" class="portal-main">
      <div class="card narrow stack">
        <h1>${title}</h1>
        ${
          sent && renewable
            ? html`<p role="status">
                We are emailing a new link to <strong>${maskedEmail}</strong>${SENT_AFTER}
              </p>`
            : html`<p>${explanation(reason, brand.name)}</p>`
        }
        ${
          renewable && !sent
            ? html`<form method="post" action="/p/fresh-link" class="stack">
                <input type="hidden" name="_csrf" value=${ctx.siteCsrf ?? ctx.csrf} />
                ${token ? html`<input type="hidden" name="token" value=${token} />` : null}
                ${documentId ? html`<input type="hidden" name="document" value=${documentId} />` : null}
                <p>
                  We can email you a new link at <strong>${maskedEmail}</strong>${onFile}
                </p>
                <div><button class="btn primary big" type="submit">Email me a new link</button></div>
              </form>`
            : null
        }
        <h2 class="h3">Questions?</h2>
        <${Reach} brand=${brand} />
      </div>
      <div class="card narrow stack">
        <${SignInForm} csrf=${ctx.siteCsrf ?? ctx.csrf} />
      </div>
    </main>
  <//>`;
}

/** What the sign-in form was sent with, when it comes back refused. */
export interface SignInState {
  value?: string;
  error?: string;
}

export const SIGN_IN_SENT =
  "If that address has documents with us, we've emailed you a link to each company's documents. " +
  'It can take a few minutes to arrive.';

/**
 * "Email me a sign-in link" (issue 17): one email with a link to every company the address has
 * documents from. Public, outside the portal's guard; the answer never says whether it is known.
 */
export function SignInForm({ csrf, value, error }: { csrf: string } & SignInState) {
  return html`<form method="post" action="/p/email-link" class="stack email-link" id="email-link" novalidate>
    <h2 class="h3">Get a new link by email</h2>
    <p>Lost the email, or its link expired? We'll email you a link to everything sent to you.</p>
    <input type="hidden" name="_csrf" value=${csrf} />
    ${
      error
        ? html`<p class="form-summary" role="alert" tabindex="-1" data-focus-error id="email-link-error">${error}</p>`
        : null
    }
    <div class="field">
      <label for="email-link-address">Your email address</label>
      <input
        id="email-link-address"
        name="email"
        type="email"
        autocomplete="email"
        maxlength="254"
        required
        value=${value ?? ''}
        aria-invalid=${error ? 'true' : undefined}
        aria-describedby=${error ? 'email-link-error' : undefined}
      />
    </div>
    <div><button class="btn primary" type="submit">Email me a link</button></div>
  </form>`;
}

/** The answer to "Email me a sign-in link": the same page, whether or not the address is known. */
export function SignInSentPage({ ctx }: { ctx: { nonce: string } }) {
  return html`<${PortalPlain} ctx=${ctx} title="Check your email">
    <div class="card narrow stack">
      <h1>Check your email</h1>
      <p role="status">${SIGN_IN_SENT}</p>
    </div>
  <//>`;
}

const OPEN_FROM_EMAIL =
  'Documents here open from the link in the email that was sent to you, on any phone or computer.';
const ASK_SENDER =
  'If you cannot find that email, or its link does not work, ask the person who sent you the document ' +
  'to send it again.';

/**
 * The unbranded page for anyone the portal cannot place: no link, no session, a link that is not
 * one of ours, or a document that is not theirs. It says nothing about what was asked for.
 */
export function NoAccessPage({
  ctx,
  badLink,
  sent,
  signIn,
}: {
  ctx: { nonce: string; csrf: string; siteCsrf?: string };
  badLink?: boolean;
  sent?: boolean;
  signIn?: SignInState;
}) {
  const title = sent
    ? 'Check your email'
    : badLink
      ? 'This link does not work'
      : 'Open the link from your email to see this document';
  return html`<${PortalPlain} ctx=${ctx} title=${title}>
    <div class="card narrow stack">
      <h1>${title}</h1>
      ${
        sent
          ? html`<p role="status">${FRESH_LINK_SENT}</p>`
          : html`<p>${badLink ? `It may have been copied only in part. ${OPEN_FROM_EMAIL}` : OPEN_FROM_EMAIL}</p>
              <p>${ASK_SENDER}</p>`
      }
    </div>
    <div class="card narrow stack">
      <${SignInForm} csrf=${ctx.siteCsrf ?? ctx.csrf} ...${signIn ?? {}} />
    </div>
  <//>`;
}

const FRESH_LINK_SENT =
  'If this link came from us, a new one is on its way to the address the document was sent to. ' +
  'It can take a few minutes to arrive.';

export function PortalPlain({ ctx, title, children }: { ctx: { nonce: string }; title: string; children: Children }) {
  return html`<html lang="en"><head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="no-referrer" />
      <meta name="robots" content="noindex" />
      <title>${title}</title>
      <link rel="stylesheet" href="/app.css" />
    </head>
    <body class="plain portal"><main id="main" class="plain-main">${children}</main></body></html>`;
}

/** A portal form that could not be read (an unknown intent): what to do, and the way back. */
export function FormProblemPage({ ctx, back }: { ctx: { nonce: string }; back: string }) {
  return html`<${PortalPlain} ctx=${ctx} title="That form could not be sent">
    <div class="card narrow stack">
      <h1>That form could not be sent</h1>
      <p>Something in it was missing, so nothing was changed. Go back to the document and try again.</p>
      <p><a class="btn primary" href=${back}>Back to the document</a></p>
    </div>
  <//>`;
}
