import { html } from '../html';
import { Csrf, PageHeader } from '../components/form';
import { Document } from '../layout/page';

// Development and tests only (src/dev/deadline-routes.ts): moves a sent document's date that counts
// (`documents.deadline`) so its expiry can be seen in a browser without waiting for a day to pass.

export interface DevDeadlineProps {
  nonce: string;
  csrf: string;
  doc: { id: string; number: string; deadline: string | null };
  error?: string;
}

export function DevDeadlinePage({ nonce, csrf, doc, error }: DevDeadlineProps) {
  return html`<${Document} title="Move a deadline" nonce=${nonce} bodyClass="plain">
    <main id="main" class="plain-main">
      <${PageHeader}
        title=${`Move the deadline of ${doc.number}`}
        sub="Development only: writes documents.deadline directly, as if the date had passed."
      />
      <form method="post" class="stack">
        <${Csrf} token=${csrf} />
        ${error ? html`<p class="form-summary" role="alert" tabindex="-1" data-focus-error>${error}</p>` : null}
        <div class="field">
          <label for="deadline">Deadline (YYYY-MM-DD)</label>
          <input id="deadline" name="deadline" type="date" required value=${doc.deadline ?? ''} />
        </div>
        <div><button class="btn primary" type="submit">Move deadline</button></div>
      </form>
    </main>
  <//>`;
}
