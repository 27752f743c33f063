import { html, type Children } from '../html';

export const brandCss = (color: string) => `/brand.css?c=${encodeURIComponent(color.replace('#', ''))}`;

export interface PageContext {
  csrf: string;
  nonce: string;
  path: string;
  user?: { name: string; email: string; role: string };
  org?: { id: string; name: string; brandColor: string; hasLogo: boolean; timeZone: string; currency: string };
  notice?: string;
}

const nav = [
  { href: '/', label: 'Home', match: (p: string) => p === '/' },
  { href: '/jobs', label: 'Jobs', match: (p: string) => p.startsWith('/jobs') },
  { href: '/documents', label: 'Documents', match: (p: string) => p.startsWith('/documents') },
  { href: '/accounts', label: 'Customers & Vendors', match: (p: string) => p.startsWith('/accounts') },
  { href: '/activity', label: 'Activity', match: (p: string) => p.startsWith('/activity') },
  { href: '/settings', label: 'Settings', match: (p: string) => p.startsWith('/settings') },
];

export function Document({
  title,
  children,
  bodyClass,
  scripts = [],
  styles = [],
  nonce,
}: {
  title: string;
  children: Children;
  bodyClass?: string;
  scripts?: string[];
  styles?: string[];
  nonce: string;
}) {
  return html`<html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="robots" content="noindex" />
      <title>${title}</title>
      <link rel="stylesheet" href="/app.css" />
      ${
        /\bportal\b/.test(bodyClass ?? '')
          ? html`<noscript><link rel="stylesheet" href="/noscript.css" /></noscript>`
          : html`<link rel="stylesheet" href="/dashboard.css" />`
      }
      ${styles.map((href) => html`<link rel="stylesheet" href=${href} />`)}
      <link rel="icon" href="/icon.svg" type="image/svg+xml" />
      ${scripts.map((src) => html`<script type="module" src=${src} nonce=${nonce}></script>`)}
    </head>
    <body class=${bodyClass}>${children}</body>
  </html>`;
}

export function DashboardPage({
  ctx,
  title,
  children,
  scripts,
}: {
  ctx: PageContext;
  title: string;
  children: Children;
  scripts?: string[];
}) {
  return html`<${Document}
    title=${`${title} · ${ctx.org?.name ?? 'Contractor Portal'}`}
    nonce=${ctx.nonce}
    bodyClass="dash"
    scripts=${scripts}
    styles=${ctx.org ? [brandCss(ctx.org.brandColor)] : []}
  >
    <a class="skip" href="#main">Skip to content</a>
    <header class="topbar">
      <a class="brand" href="/">
        ${ctx.org?.hasLogo ? html`<img src="/settings/logo" alt="" class="brand-logo" />` : null}
        <span>${ctx.org?.name}</span>
      </a>
      <form method="post" action="/sign-out" class="signout">
        <input type="hidden" name="_csrf" value=${ctx.csrf} />
        <span class="who">${ctx.user?.name}</span>
        <button type="submit" class="link">Sign out</button>
      </form>
    </header>
    <div class="shell">
      <nav class="sidenav" aria-label="Main">
        <ul>
          ${nav.map(
            (n) => html`<li>
              <a href=${n.href} aria-current=${n.match(ctx.path) ? 'page' : undefined}>${n.label}</a>
            </li>`,
          )}
        </ul>
      </nav>
      <main id="main" class="main">
        ${ctx.notice ? html`<p class="notice" role="status">${ctx.notice}</p>` : null}
        ${children}
      </main>
    </div>
  <//>`;
}

export function PlainPage({
  ctx,
  title,
  children,
}: {
  ctx: Pick<PageContext, 'nonce'>;
  title: string;
  children: Children;
}) {
  return html`<${Document} title=${title} nonce=${ctx.nonce} bodyClass="plain">
    <main id="main" class="plain-main">${children}</main>
  <//>`;
}

export function ErrorPage({
  ctx,
  status,
  message,
  back = { href: '/', label: 'Go to the home page' },
}: {
  ctx: Pick<PageContext, 'nonce'>;
  status: number;
  message: string;
  back?: { href: string; label: string }; // where the person goes from here
}) {
  const title =
    status === 404
      ? 'Page not found'
      : status === 403
        ? 'Not allowed'
        : status === 429
          ? 'Too many attempts'
          : status === 503
            ? 'Not available right now'
            : status >= 500
              ? 'Something went wrong'
              : 'Request not accepted';
  return html`<${PlainPage} ctx=${ctx} title=${title}>
    <div class="card narrow">
      <h1>${title}</h1>
      <p>${message}</p>
      <p><a href=${back.href}>${back.label}</a></p>
    </div>
  <//>`;
}
