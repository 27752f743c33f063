import { Hono } from 'hono';
import { emptyForm } from '../../views/components/form';
import { Refused } from '../errors';
import type { AppEnv } from '../http/context';
import { redirectWith } from '../http/render';
import { cleanText, FormCheck, readForm } from '../http/validate';
import { deliverSoon } from '../mail/deliver';
import { documentMail } from '../mail/documents';
import { companyPlan, isNoReminders } from '../reminders/plan';
import { checkSendReminders, planValues } from '../settings/reminders';
import { templateReminders } from '../settings/templates';
import { resendDocument, sendDocument, sendRefusal } from './actions';
import { draftSnapshot } from './documents';
import { contractor, loadDocument, sendPage, sendRefused } from './pages';
import { accountContacts, type LoadedDocument } from './queries';
import { checkRecipients, namesList } from './send-recipients';
import { checkSlots } from './file-requests';
import type { AppContext } from '../http/context';
import type { FormState } from '../../views/components/form';
import type { Kind } from './kinds';

/** The send page with the account's contacts to choose from (issue 17). */
async function sendForm(c: AppContext, d: LoadedDocument, kind: Kind, form: FormState, status: 200 | 422 = 200) {
  return sendPage(c, d, kind, form, status, await otherPeople(c, d));
}

/** The account's contacts besides the primary signer: the rows of "Also send to", in this order. */
async function otherPeople(c: AppContext, d: LoadedDocument) {
  const people = d.account ? await accountContacts(c.get('db'), d.org.id, d.account.id, 40) : [];
  return people.filter((p) => p.id !== d.contact?.id);
}

/** A refusal the send page shows on its own form: a recipient row, the list, the signing order. */
const onSendForm = (err: unknown): err is Refused =>
  err instanceof Refused && !!err.field && /^(recipient\.\d+\.|recipients$|signingOrder$|fileSlots$)/.test(err.field);

export const sendRoutes = new Hono<AppEnv>()
  .get('/documents/:id/send', async (c) => {
    const { d, kind } = await loadDocument(c);
    const refusal = sendRefusal(d);
    if (refusal) return sendRefused(c, d, kind, refusal);
    // Issue 20: a draft started from a template with its own reminders proposes those.
    const fromTemplate = d.document.templateId
      ? await templateReminders(c.get('db'), d.org.id, d.document.templateId)
      : null;
    const reminders = fromTemplate
      ? { reminders: isNoReminders(fromTemplate) ? 'none' : 'custom', ...planValues(fromTemplate) }
      : { reminders: 'company', ...planValues(companyPlan({ ...d.org, remindersOn: true })) };
    // A revision starts from who the last version went to; a first send from the company's default.
    const again = d.document.sentVersion !== null;
    const countersign = (again ? d.document.countersign : d.org.countersignDefault) ? 'on' : '';
    // Issue 18: the emailed code before signing, the same way (a revision keeps what the last send chose).
    const emailCode = (again ? d.document.emailCode : d.org.emailCodeDefault) ? 'on' : '';
    const people = await otherPeople(c, d);
    const roles = Object.fromEntries(
      people.map((p, i) => [`recipient.${i + 1}.role`, d.recipients.find((r) => r.contactId === p.id)?.role ?? '']),
    );
    const values = {
      name: d.contact!.name,
      email: d.contact!.email,
      message: '',
      signingOrder: again ? d.document.signingOrder : 'any',
      countersign,
      emailCode,
      ...roles,
      ...reminders,
    };
    return sendPage(c, d, kind, emptyForm(values), 200, people);
  })
  .get('/documents/:id/send/preview', async (c) => {
    const { d } = await loadDocument(c);
    // Only a draft is previewed: a sent version's mail went out (the send page refuses it the same way).
    if (d.current.state !== 'draft') throw sendRefusal(d)!;
    const name = cleanText(c.req.query('name') ?? '', false).slice(0, 120) || d.contact?.name || '';
    const message = cleanText(c.req.query('message') ?? '', true).slice(0, 2000);
    const link = `${c.env.APP_ORIGIN}/p/preview-link`;
    const mail = documentMail(draftSnapshot(d, name, d.contact?.email ?? ''), {
      link,
      message,
      recipientName: name,
      linkDays: d.org.portalLinkDays,
    });
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'",
    );
    c.header('X-Frame-Options', 'SAMEORIGIN');
    return c.html(mail.html);
  })
  .post('/documents/:id/send', async (c) => {
    const { actor, scope } = contractor(c);
    const raw = await readForm(c);
    const f = new FormCheck(raw);
    const name = f.text('name', { label: 'Name', required: true, max: 120 });
    const email = f.email('email', { label: 'Email', required: true });
    const message = f.text('message', { label: 'Message', max: 2000, multiline: true });
    const reminders = checkSendReminders(f);
    // Who else (issue 17); the send itself refuses a signer on a document only one person answers.
    const recipients = checkRecipients(f, { signersAllowed: true, countersignAllowed: true });
    // Issue 20: the files asked of them (against the document's own slots in the send itself).
    const fileRequests = checkSlots(f, []);
    if (!f.ok) {
      const { d, kind } = await loadDocument(c);
      const refusal = sendRefusal(d);
      if (refusal) return sendRefused(c, d, kind, refusal);
      return sendForm(c, d, kind, { values: raw, errors: f.errors }, 422);
    }
    const documentId = c.req.param('id');
    // Issue 18: only a document the recipient signs or approves takes it (the send ignores it otherwise).
    const emailCode = f.bool('emailCode');
    const input = {
      ...scope,
      documentId,
      name,
      email,
      message,
      recipients,
      emailCode,
      fileRequests,
      ...(reminders ? { reminders } : {}),
    };
    let names: string[] = [];
    try {
      const sent = await sendDocument(c.env, c.get('db'), actor, input);
      names = sent.people.map((p) => p.name);
    } catch (err) {
      if (onSendForm(err)) {
        const { d, kind } = await loadDocument(c);
        return sendForm(c, d, kind, { values: raw, errors: { [err.field!]: err.message } }, 422);
      }
      // A date that passed before the send: back to the editor, the message on its date field.
      if (err instanceof Refused && err.field === 'dueDate') {
        const { d, kind } = await loadDocument(c);
        return sendRefused(c, d, kind, err);
      }
      throw err;
    }
    deliverSoon(c);
    const said = names.length ? `Sent to ${namesList([name, ...names])}.` : `Sent to ${name} (${email}).`;
    return redirectWith(c, `/documents/${documentId}`, said);
  })
  .post('/documents/:id/resend', async (c) => {
    const { actor, scope } = contractor(c);
    const documentId = c.req.param('id');
    const { to } = await resendDocument(c.env, c.get('db'), actor, { ...scope, documentId });
    deliverSoon(c);
    return redirectWith(c, `/documents/${documentId}`, `A fresh link was emailed to ${to}.`);
  });
