import { html, type Children } from '../html';
import { brandCss, Document } from './page';

/** One company a person's portal session holds (issue 17), as the switcher shows it. */
export interface PortalCompany {
  id: string;
  name: string;
  brandColor: string;
  hasLogo: boolean;
}

export interface PortalContext {
  csrf: string;
  nonce: string;
  notice?: string;
  viewer?: { name: string; email: string };
  org: {
    id: string;
    name: string;
    brandColor: string;
    hasLogo: boolean;
    address: string;
    phone: string;
    email: string;
  };
  /** Every company the person's session holds, when there are several: the switcher above the header. */
  companies?: PortalCompany[];
}

/** A company's own colours scoped to `.co-<n>` (the companies page's cards, each in its company's colour). */
export const scopedBrandCss = (color: string, n: number) => `${brandCss(color)}&s=${n}`;

/**
 * "Your contractors: Oak & Stone Builders · Bright Electric" (issue 17): the person's own nav, above
 * the company's branded header, so it is never part of one company's page. Each links to that
 * company's home; the current one is marked.
 */
export function CompanySwitcher({ companies, current }: { companies: PortalCompany[]; current?: string }) {
  return html`<nav class="company-switcher" aria-label="Your contractors">
    <span class="company-switcher-label">Your contractors:</span>
    <ul>
      ${companies.map(
        (co) => html`<li>
          <a href=${`/portal?company=${co.id}`} aria-current=${co.id === current ? 'page' : undefined}>${co.name}</a>
        </li>`,
      )}
      <li><a href="/portal/companies" aria-current=${current ? undefined : 'page'}>All</a></li>
    </ul>
  </nav>`;
}

export function PortalPage({
  ctx,
  title,
  children,
  scripts,
  neutral,
  styles,
}: {
  ctx: PortalContext;
  title: string;
  children: Children;
  scripts?: string[];
  /** The person's own page across companies (issue 17): no company's name, logo or colour. */
  neutral?: boolean;
  styles?: string[];
}) {
  const org = ctx.org;
  // Always named: a cached logo of one company never stands in for another's on a later page.
  const logo = `/portal/logo?company=${org.id}`;
  return html`<${Document}
    title=${neutral ? title : `${title} · ${org.name}`}
    nonce=${ctx.nonce}
    bodyClass=${neutral ? 'portal neutral' : 'portal'}
    scripts=${['/portal.js', ...(scripts ?? [])]}
    styles=${[...(neutral ? [] : [brandCss(org.brandColor)]), ...(styles ?? [])]}
  >
    <a class="skip" href="#main">Skip to content</a>
    ${
      ctx.companies
        ? html`<${CompanySwitcher} companies=${ctx.companies} current=${neutral ? undefined : org.id} />`
        : null
    }
    <header class="portal-header">
      ${
        neutral
          ? html`<a class="portal-brand" href="/portal/companies"><span>Your documents</span></a>`
          : html`<a class="portal-brand" href=${ctx.companies ? `/portal?company=${org.id}` : '/portal'}>
              ${org.hasLogo ? html`<img src=${logo} alt="" class="brand-logo" />` : null}
              <span>${org.name}</span>
            </a>`
      }
      ${ctx.viewer ? html`<span class="who">${ctx.viewer.name}</span>` : null}
    </header>
    <main id="main" class="portal-main">
      ${ctx.notice ? html`<p class="notice" role="status">${ctx.notice}</p>` : null}
      ${children}
    </main>
    ${
      neutral
        ? null
        : html`<footer class="portal-footer">
            <p>
              ${org.name}${org.phone ? ` · ${org.phone}` : ''}
              ${org.email ? html` · <a href=${`mailto:${org.email}`}>${org.email}</a>` : null}
            </p>
          </footer>`
    }
  <//>`;
}
