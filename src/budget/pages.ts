import { FeedList } from '../../views/dashboard/activity';
import { GroupFormPage, ItemFormPage, JobPage } from '../../views/dashboard/budget';
import { JobDocumentsSection } from '../../views/dashboard/documents';
import { JobFormPage } from '../../views/dashboard/jobs';
import { emptyForm, type FormState } from '../../views/components/form';
import { html } from '../../views/html';
import { accountOptions } from '../accounts/queries';
import { currentUser, requireUserWith } from '../auth/session';
import { feedItems } from '../conversation/feed-queries';
import { listRow } from '../documents/documents';
import { typeGroups } from '../documents/kinds';
import type { AppContext } from '../http/context';
import { notFound } from '../http/errors';
import { pageContext, render } from '../http/render';
import { prepared } from '../db/client';
import { assembleJobPage, groupItemCount, itemFormOptions, sessionJobPageQueries } from './queries';
import { budgetTotals, lineTotal, markupOf } from './totals';

// The contractor's budget pages, for the routes that show them and show them again with a form's errors.

type Status = 200 | 422;

/**
 * The job page: its budget with totals, its documents by type, its recent activity. One batch, which
 * checks the contractor's session too (requireUserWith): the GET page is one D1 round trip.
 */
export async function showJob(c: AppContext, jobId: string, groupForm: FormState = emptyForm(), status: Status = 200) {
  const batch = await requireUserWith(c, prepared(c.get('db'), sessionJobPageQueries), { jobId });
  const { org } = currentUser(c);
  const data = assembleJobPage(batch);
  if (!data) notFound();
  const totals = budgetTotals(data.items);
  const groups = data.groups.map((g) => ({
    id: g.id,
    name: g.name,
    totals: totals.groups.get(g.id) ?? { cost: 0, price: 0, margin: 0, marginRate: null },
    items: data.items
      .filter((i) => i.groupId === g.id)
      .map((i) => ({
        ...i,
        markup: markupOf(i.unitCost, i.unitPrice),
        costTotal: lineTotal(i.quantity, i.unitCost),
        priceTotal: lineTotal(i.quantity, i.unitPrice),
      })),
  }));
  const ctx = pageContext(c);
  const rows = data.documents.map((r) => listRow(r, org.timeZone));
  const docGroups = typeGroups()
    .map((g) => ({ label: g.label, rows: rows.filter((r) => r.type === g.type) }))
    .filter((g) => g.rows.length);
  const documents = html`<${JobDocumentsSection} ctx=${ctx} jobId=${jobId} groups=${docGroups} />
    <section class="card stack" aria-labelledby="job-activity-h">
      <div class="section-head">
        <h2 id="job-activity-h">Recent activity</h2>
        <a class="btn small" href=${`/activity?job=${jobId}`}>All activity</a>
      </div>
      <${FeedList} items=${feedItems(data.feed, org.currency)} timeZone=${org.timeZone}
        empty="Nothing has happened on this job yet." />
    </section>`;
  return render(
    c,
    html`<${JobPage} ctx=${ctx} job=${data.job} customer=${data.customer} groups=${groups} totals=${totals.job}
      groupForm=${groupForm} documents=${documents} />`,
    status,
  );
}

/** The new-job or edit-job form, with the org's customers to choose from. */
export async function jobFormPage(
  c: AppContext,
  form: FormState,
  job?: { id: string; number: number; name: string },
  status: Status = 200,
) {
  const { org } = currentUser(c);
  const customers = await accountOptions(c.get('db'), org.id, 'customer');
  return render(
    c,
    html`<${JobFormPage} ctx=${pageContext(c)} form=${form} customers=${customers} job=${job} />`,
    status,
  );
}

/** The group's edit form, saying how many items a delete would take with it. */
export async function groupFormPage(
  c: AppContext,
  job: { id: string; number: number; name: string },
  group: { id: string; name: string },
  form: FormState,
  status: Status = 200,
) {
  const { org } = currentUser(c);
  const count = await groupItemCount(c.get('db'), org.id, group.id);
  return render(
    c,
    html`<${GroupFormPage} ctx=${pageContext(c)} job=${job} group=${group} form=${form} itemCount=${count} />`,
    status,
  );
}

/** The new-item or edit-item form, with the job's groups and the org's vendors. */
export async function itemFormPage(
  c: AppContext,
  job: { id: string; number: number; name: string },
  form: FormState,
  itemId?: string,
  status: Status = 200,
) {
  const { org } = currentUser(c);
  const { groups, vendors } = await itemFormOptions(c.get('db'), org.id, job.id);
  return render(
    c,
    html`<${ItemFormPage} ctx=${pageContext(c)} job=${job} form=${form} groups=${groups} vendors=${vendors}
      itemId=${itemId} />`,
    status,
  );
}
