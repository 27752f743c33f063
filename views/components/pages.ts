import { html } from '../html';

/** "Newest …" / "Earlier …" links under a paged list (plain links: paging needs no script). */
export function PageLinks({
  pages,
  what,
}: {
  pages?: { newest?: string | null; earlier?: string | null };
  what: string;
}) {
  if (!pages?.earlier && !pages?.newest) return null;
  return html`<nav class="pages" aria-label=${`${what[0].toUpperCase()}${what.slice(1)} pages`}>
    ${pages.newest ? html`<a class="btn small" href=${pages.newest}>Newest ${what}</a>` : null}
    ${pages.earlier ? html`<a class="btn small" href=${pages.earlier}>Earlier ${what}</a>` : null}
  </nav>`;
}
