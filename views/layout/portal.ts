import { html, type Children } from '../html';
import { brandCss, Document } from './page';

export interface PortalContext {
  csrf: string;
  nonce: string;
  notice?: string;
  viewer?: { name: string; email: string };
  org: { name: string; brandColor: string; hasLogo: boolean; address: string; phone: string; email: string };
}

export function PortalPage({
  ctx,
  title,
  children,
  scripts,
}: {
  ctx: PortalContext;
  title: string;
  children: Children;
  scripts?: string[];
}) {
  return html`<${Document}
    title=${`${title} · ${ctx.org.name}`}
    nonce=${ctx.nonce}
    bodyClass="portal"
    scripts=${['/portal.js', ...(scripts ?? [])]}
    styles=${[brandCss(ctx.org.brandColor)]}
  >
    <a class="skip" href="#main">Skip to content</a>
    <header class="portal-header">
      <a class="portal-brand" href="/portal">
        ${ctx.org.hasLogo ? html`<img src="/portal/logo" alt="" class="brand-logo" />` : null}
        <span>${ctx.org.name}</span>
      </a>
      ${ctx.viewer ? html`<span class="who">${ctx.viewer.name}</span>` : null}
    </header>
    <main id="main" class="portal-main">
      ${ctx.notice ? html`<p class="notice" role="status">${ctx.notice}</p>` : null}
      ${children}
    </main>
    <footer class="portal-footer">
      <p>
        ${ctx.org.name}${ctx.org.phone ? ` · ${ctx.org.phone}` : ''}
        ${ctx.org.email ? html` · <a href=${`mailto:${ctx.org.email}`}>${ctx.org.email}</a>` : null}
      </p>
    </footer>
  <//>`;
}
