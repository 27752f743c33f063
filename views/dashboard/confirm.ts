import { html } from '../html';
import { Csrf } from '../components/form';
import { DashboardPage, type PageContext } from '../layout/page';

/** What a confirmation asks: the question, what will happen, and the two ways out. */
export interface Confirmation {
  /** "Void INV-0004?" */
  question: string;
  /** What happens, in sentences the contractor reads before deciding. */
  consequences: string[];
  /** Where the action posts (with confirm=yes). */
  action: string;
  /** "Void INV-0004" */
  actionLabel: string;
  /** Extra hidden fields the action needs (e.g. the version the question was asked about). */
  fields?: Record<string, string>;
  /** Where "Keep …" leads, and what it says. */
  keepHref: string;
  keepLabel: string;
  /** A destructive action is styled as one. */
  danger?: boolean;
  /** Why the question is asked again (a confirmation that no longer matched). */
  error?: string;
}

/**
 * The contractor's "are you sure?" page for an action that cannot be taken back (void, accept a
 * bid, revoke access): nothing is written until its form posts confirm=yes. Plain forms, no script.
 */
export function ConfirmPage({ ctx, confirm }: { ctx: PageContext; confirm: Confirmation }) {
  return html`<${DashboardPage} ctx=${ctx} title=${confirm.question}>
    <section class="card stack confirm-page" aria-labelledby="confirm-h">
      <h1 id="confirm-h">${confirm.question}</h1>
      ${confirm.error ? html`<p class="form-summary" role="alert">${confirm.error}</p>` : null}
      ${confirm.consequences.map((s) => html`<p>${s}</p>`)}
      <form method="post" action=${confirm.action} class="confirm-actions">
        <${Csrf} token=${ctx.csrf} />
        <input type="hidden" name="confirm" value="yes" />
        ${Object.entries(confirm.fields ?? {}).map(([k, v]) => html`<input type="hidden" name=${k} value=${v} />`)}
        <button class=${confirm.danger ? 'btn danger' : 'btn primary'} type="submit">${confirm.actionLabel}</button>
        <a class="btn" href=${confirm.keepHref}>${confirm.keepLabel}</a>
      </form>
    </section>
  <//>`;
}
