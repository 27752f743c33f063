import { FeedList } from '../../views/dashboard/activity';
import { GroupFormPage, ItemFormPage, JobPage } from '../../views/dashboard/budget';
import { JobDocumentsSection } from '../../views/dashboard/documents';
import { JobFormPage } from '../../views/dashboard/jobs';
import { emptyForm, type FormState } from '../../views/components/form';
import { html } from '../../views/html';
import { accountOptions } from '../accounts/queries';
import { heldUserPage, holdUserPage } from '../auth/held-pages';
import { currentUser, requireUserWith } from '../auth/session';
import { feedItems } from '../conversation/feed-queries';
import { listRow } from '../documents/documents';
import { typeGroups } from '../documents/kinds';
import type { AppContext } from '../http/context';
import { notFound } from '../http/errors';
import { heldUntil, holdable } from '../http/page-cache';
import { pageContext, render } from '../http/render';
import { prepared } from '../db/client';
import {
  assembleJobPage,
  BUDGET_PAGE,
  groupItemCount,
  itemFormOptions,
  sessionJobPageQueries,
  sessionJobStampQueries,
} from './queries';
import { lineTotal, markupOf, rollup } from './totals';

// The contractor's budget pages, for the routes that show them and show them again with a form's errors.

type Status = 200 | 422;

const GROUP_ID = /^[a-z0-9]{8,40}$/;
const AFTER = /^(\d{1,9})_([a-z0-9]{8,40})$/;

/** The group a big budget opens (`?group=`) and where its page of items starts (`?after=<position>_<id>`). */
function openGroupOf(c: AppContext) {
  const group = c.req.query('group') ?? '';
  const groupId = GROUP_ID.test(group) ? group : '';
  const after = groupId ? AFTER.exec(c.req.query('after') ?? '') : null;
  return { groupId, after: after ? { position: Number(after[1]), id: after[2] } : null };
}

/**
 * Where a move on a folded budget goes back to: the same open group and page of its items, at the moved
 * group. Its buttons say so with `?group=` (empty when none is open); a whole table's moves go to the page.
 */
export function jobPageAfterMove(c: AppContext, jobId: string, movedGroupId?: string) {
  if (c.req.query('group') === undefined) return `/jobs/${jobId}`;
  const { groupId, after } = openGroupOf(c);
  const page = after ? `?group=${groupId}&after=${after.position}_${after.id}` : groupId ? `?group=${groupId}` : '';
  const at = movedGroupId && GROUP_ID.test(movedGroupId) ? movedGroupId : groupId;
  return `/jobs/${jobId}${page}${at ? `#group-${at}` : ''}`;
}

/**
 * The job page: its budget with totals, its documents by type, its recent activity. One batch, which
 * checks the contractor's session too (requireUserWith): the GET page is one D1 round trip. A budget of
 * more than BUDGET_PAGE items shows its groups' totals only, and the open group's items a page at a time.
 *
 * A plain load (no form's errors, no one-time notice) is held per session and address (http/page-cache.ts):
 * while its stamp is unchanged (budget/queries.ts jobStampStatement) and the contractor and their org read
 * the same, the next load reads the session and the stamp only, and answers the page rendered before.
 */
export async function showJob(c: AppContext, jobId: string, groupForm?: FormState, status: Status = 200) {
  const db = c.get('db');
  const holds = !groupForm && holdable(c, ['group', 'after']);
  const { key, answer } = await heldUserPage(c, holds, sessionJobStampQueries, { jobId });
  if (answer) return answer;
  const open = openGroupOf(c);
  const now = Date.now(); // before the read: a page held until midnight shows no later day than it read
  const batch = await requireUserWith(c, prepared(db, sessionJobPageQueries), {
    jobId,
    groupId: open.groupId,
    afterPosition: open.after?.position ?? -1,
    afterId: open.after?.id ?? '',
  });
  const data = assembleJobPage(batch);
  if (!data) notFound();
  const build = () => jobPage(c, jobId, data, open, groupForm ?? emptyForm());
  if (!key) return render(c, build(), status);
  return holdUserPage(c, key, data.stamp, heldUntil(currentUser(c).org.timeZone, now), build);
}

function jobPage(
  c: AppContext,
  jobId: string,
  data: NonNullable<ReturnType<typeof assembleJobPage>>,
  open: ReturnType<typeof openGroupOf>,
  groupForm: FormState,
) {
  const { org } = currentUser(c);
  const itemCount = data.groups.reduce((n, g) => n + g.itemCount, 0);
  const folded = itemCount > BUDGET_PAGE;
  const shown = folded ? data.openItems.slice(0, BUDGET_PAGE) : data.items;
  const groups = data.groups.map((g) => ({
    id: g.id,
    name: g.name,
    itemCount: g.itemCount,
    totals: rollup(g.cost, g.price),
    items: shown
      .filter((i) => i.groupId === g.id)
      .map((i) => ({
        ...i,
        markup: markupOf(i.unitCost, i.unitPrice),
        costTotal: lineTotal(i.quantity, i.unitCost),
        priceTotal: lineTotal(i.quantity, i.unitPrice),
      })),
  }));
  const totals = rollup(
    data.groups.reduce((sum, g) => sum + g.cost, 0),
    data.groups.reduce((sum, g) => sum + g.price, 0),
  );
  const last = shown[shown.length - 1];
  const fold = folded
    ? {
        itemCount,
        openGroupId: groups.some((g) => g.id === open.groupId) ? open.groupId : null,
        after: open.after && `${open.after.position}_${open.after.id}`,
        next: data.openItems.length > BUDGET_PAGE && last ? `${last.position}_${last.id}` : null,
      }
    : undefined;
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
  return html`<${JobPage} ctx=${ctx} job=${data.job} customer=${data.customer} groups=${groups} totals=${totals}
    fold=${fold} groupForm=${groupForm} documents=${documents} />`;
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
