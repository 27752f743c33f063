import { Hono } from 'hono';
import { currentUser } from '../auth/session';
import { contractorActor } from '../conversation/activity';
import type { ContractorActor } from '../documents/actions';
import { loadDocument, showDocument } from '../documents/pages';
import { Refused } from '../errors';
import { readCappedBody } from '../http/body';
import type { AppContext, AppEnv } from '../http/context';
import { redirectWith } from '../http/render';
import { requestFrom } from '../http/rate-limit';
import { FormCheck } from '../http/validate';
import { offlineMethods } from '../db/schema';
import { recordOfflineApproval } from './offline';
import { METHOD_WORDS } from './offline-words';

// Issue 20, part E: the contractor's "Mark as approved" (a multipart form: it may carry a scan).

/** Whether a request is the offline approval's post (app.ts gives its multipart body the upload cap). */
export const isOfflineApprovalPath = (path: string) => /^\/documents\/[a-z0-9]+\/offline-approval$/.test(path);

const strings = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');

/** The chosen options as posted: the ticked optional lines (`chosen`) and one radio per "choose one" set (`set.N`). */
function chosenOf(body: Record<string, unknown>): string[] {
  const sets = Object.keys(body)
    .filter((k) => /^set\.\d{1,3}$/.test(k))
    .flatMap((k) => strings(body[k]));
  return [...strings(body.chosen), ...sets].slice(0, 500);
}

async function offlineApprovalForm(c: AppContext) {
  const { user, org } = currentUser(c);
  const documentId = c.req.param('id') ?? '';
  const body = await readCappedBody(c, { all: true });
  const raw: Record<string, string> = {};
  for (const k of ['approverName', 'method', 'approvedOn', 'note', 'versionHash']) raw[k] = strings(body[k])[0] ?? '';
  const chosen = chosenOf(body);
  const values = { ...raw, chosen: chosen.join(',') };
  const again = async (errors: Record<string, string>) => {
    const { d, kind } = await loadDocument(c);
    return showDocument(c, d, kind, { offline: { values, errors } }, 422);
  };
  const f = new FormCheck(raw);
  const approverName = f.text('approverName', { label: 'The name of who approved it', required: true, max: 200 });
  const method = f.choice('method', offlineMethods, { label: 'Way it was approved' });
  const approvedOn = f.date('approvedOn', { label: 'The approval date', required: true });
  const note = f.text('note', { label: 'The note', max: 2000, multiline: true });
  if (!f.ok || !method || !approvedOn) return again(f.errors);
  const posted = [body.scan].flat().find((v): v is File => v instanceof File) ?? null;
  const actor: ContractorActor = contractorActor(user, requestFrom(c.req));
  const input = {
    orgId: org.id,
    documentId,
    timeZone: org.timeZone,
    origin: c.env.APP_ORIGIN,
    versionHash: raw.versionHash.slice(0, 64),
    approverName,
    method,
    approvedOn,
    note,
    chosen,
    scan: posted && posted.size > 0 ? posted : null,
  };
  try {
    await recordOfflineApproval(c.env, c.get('db'), actor, input);
  } catch (err) {
    if (err instanceof Refused && err.field) return again({ [err.field]: err.message });
    throw err;
  }
  const notice = `Recorded ${approverName}’s approval ${METHOD_WORDS[method]}. It is labelled as recorded by you.`;
  return redirectWith(c, `/documents/${documentId}`, notice);
}

export const offlineApprovalRoutes = new Hono<AppEnv>()
  .post('/documents/:id/offline-approval', offlineApprovalForm)
  // A refused form's address, reloaded (or fetched again by live.js), leads back to the form on the page.
  .get('/documents/:id{[a-z0-9]+}/offline-approval', (c) =>
    c.redirect(`/documents/${c.req.param('id')}#offline-approval`, 303),
  );
