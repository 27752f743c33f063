import { Checkbox, Csrf, Field, FormSummary, PageHeader, type FormState } from '../components/form';
import { html } from '../html';
import { DashboardPage, type PageContext } from '../layout/page';

/** The five plan fields (names as `src/settings/reminders.ts` PLAN_FIELDS, labels as its PLAN_LABELS). */
/** The five day fields; `only` names those shown (a kind's own), the others go as hidden zeros. */
export function PlanFields({ form, only }: { form: FormState; only?: string[] }) {
  const days = (name: string, label: string) =>
    !only || only.includes(name)
      ? html`<${Field} form=${form} name=${name} label=${label} inputmode="numeric" class="plan-field" />`
      : html`<input type="hidden" name=${name} value="0" />`;
  return html`<div class="grid2 plan-fields">
      ${days('remind_unopened', 'If not opened after (days)')}
      ${days('remind_undecided', 'If not signed or accepted after (days)')}
      ${days('remind_before', 'Days before the valid-until, bids-due or due date')}
    </div>
    <div class="grid2 plan-fields">
      ${days('remind_overdue_every', 'Unpaid invoices: every (days) after the due date')}
      ${days('remind_overdue_max', 'Unpaid invoices: at most (times)')}
    </div>
    <p class="hint">0 leaves that reminder out. Reminders go out at 9:00 in your company’s time zone.</p>`;
}

export function ReminderSettingsPage({
  ctx,
  form,
  digestForm,
}: {
  ctx: PageContext;
  form: FormState;
  digestForm: FormState;
}) {
  return html`<${DashboardPage} ctx=${ctx} title="Reminders · Settings">
    <${PageHeader}
      title="Reminders"
      sub=${html`<a href="/settings">Settings</a> · Follow up on documents nobody answered, and your daily digest`}
    />
    <section class="card stack" aria-labelledby="remind-defaults-h">
      <h2 id="remind-defaults-h">Company defaults</h2>
      <p class="muted">
        What a document sent from now on chases. The send page can choose other reminders, or none, for one document.
      </p>
      <${FormSummary} form=${form} />
      <form method="post" action="/settings/reminders" class="stack" novalidate>
        <${Csrf} token=${ctx.csrf} />
        <${Checkbox}
          form=${form}
          name="remindersOn"
          label="Remind automatically"
          hint="Off: documents are sent with no reminders unless their send page asks for them."
        />
        <${PlanFields} form=${form} />
        <div><button class="btn primary" type="submit">Save reminders</button></div>
      </form>
    </section>
    <section class="card stack" id="digest" aria-labelledby="digest-h">
      <h2 id="digest-h">Your daily digest</h2>
      <p class="muted">
        An email at 7:00 in your company’s time zone: what was signed, declined or paid since yesterday, comments
        waiting for an answer, and what expires or falls due this week. Nothing is sent on a day with nothing to say.
        This is your own setting; your teammates choose theirs.
      </p>
      <${FormSummary} form=${digestForm} />
      <form method="post" action="/settings/reminders/digest" class="stack" novalidate>
        <${Csrf} token=${ctx.csrf} />
        <${Checkbox} form=${digestForm} name="daily_digest" label="Email me the daily digest" />
        <div><button class="btn" type="submit">Save digest setting</button></div>
      </form>
    </section>
  <//>`;
}
