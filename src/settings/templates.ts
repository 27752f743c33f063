import { and, asc, desc, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { createId } from '../db/ids';
import { documentTemplates } from '../db/schema';
import type { DisplayOptions } from '../documents/display';
import { displayJson } from '../documents/display';
import { checkDisplay } from '../documents/display-form';
import { MAX_LINE_TOTAL } from '../budget/totals';
import { hidesNumbers } from '../documents/drafts';
import { kindByKey, type Kind, termsGroups } from '../documents/kinds';
import { NotFound, Refused } from '../errors';
import { FormCheck, type RawForm } from '../http/validate';
import { parsePlan, type ReminderPlan } from '../reminders/plan';
import { checkSendReminders } from './reminders';

// Settings → Templates (issue 20): a company's named starting points per kind of document — intro text,
// terms, footer, what the recipient is shown, the deposit rule, signature, reminders. At most one default
// per kind (a partial unique index); a new draft starts from it, or from the template chosen on the item step.

export type Template = typeof documentTemplates.$inferSelect;

/** The kinds a template is for, in Settings' order (the customer's documents, then the vendors'), with their key. */
export function templateKinds(): (Kind & { key: string })[] {
  return termsGroups().flatMap((g) => g.kinds);
}

/** The kind of a template's key, or null when the key names none a template is for. */
export function templateKind(key: string | undefined): (Kind & { key: string }) | null {
  return templateKinds().find((k) => k.key === key) ?? null;
}

/** Whether the kind's recipient can be asked to sign: orders, whose approval a signature can be. */
export const asksForSignature = (kind: Pick<Kind, 'approvalEvent'>) => kind.approvalEvent !== null;

const MAX_NAME = 80;
const MAX_TEXT = 10_000;
const MAX_FOOTER = 1000;

/** The template form: a field's refusal keeps the form; `reminderPlan` null is the company's reminder settings. */
export function checkTemplate(raw: RawForm, kind: Kind) {
  const f = new FormCheck(raw);
  const values = {
    name: f.text('name', { label: 'Name', required: true, max: MAX_NAME }),
    description: f.text('description', { label: 'Intro text', max: MAX_TEXT, multiline: true }),
    terms: f.text('terms', { label: 'Terms', max: MAX_TEXT, multiline: true }),
    footer: f.text('footer', { label: 'Footer', max: MAX_FOOTER, multiline: true }),
    display: (hidesNumbers(kind) ? checkDisplay(f) : null) as DisplayOptions | null,
    depositKind: kind.hasDeposit
      ? (f.choice('depositKind', ['none', 'percent', 'fixed'] as const, { label: 'Deposit' }) ?? 'none')
      : ('none' as const),
    depositValue: 0,
    requireSignature: asksForSignature(kind) ? f.bool('requireSignature') : kind.defaultRequireSignature,
    reminderPlan: checkSendReminders(f) ?? null,
    isDefault: f.bool('isDefault'),
  };
  if (values.depositKind === 'percent')
    values.depositValue = f.rate('depositValue', { label: 'Deposit', required: true, min: 0, max: 100_000 }) ?? 0;
  if (values.depositKind === 'fixed')
    values.depositValue =
      f.money('depositValue', { label: 'Deposit', required: true, min: 0, max: MAX_LINE_TOTAL }) ?? 0;
  return { f, values };
}
export type TemplateValues = ReturnType<typeof checkTemplate>['values'];

function columns(v: TemplateValues) {
  return {
    name: v.name,
    description: v.description,
    terms: v.terms,
    footer: v.footer,
    display: v.display ? displayJson(v.display) : '{}',
    depositKind: v.depositKind,
    depositValue: v.depositValue,
    requireSignature: v.requireSignature,
    reminderPlan: v.reminderPlan ? JSON.stringify(v.reminderPlan) : null,
    isDefault: v.isDefault,
  };
}

/** The kind's other templates stop being its default (the statement before the one that makes a default). */
function unsetDefault(db: Db, orgId: string, kind: string | ReturnType<typeof sql>, keepId: string) {
  return db
    .update(documentTemplates)
    .set({ isDefault: false })
    .where(
      and(
        eq(documentTemplates.orgId, orgId),
        eq(documentTemplates.kind, kind),
        eq(documentTemplates.isDefault, true),
        ne(documentTemplates.id, keepId),
      ),
    );
}

const DUPLICATE_NAME =
  /UNIQUE constraint failed: document_templates\.org_id, document_templates\.kind, document_templates\.name/;

/** A second template of one name in a kind (typed twice, or saved at once) is the name field's refusal. */
async function uniqueName<T>(kind: Kind, name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const text = `${err} ${(err as { cause?: unknown }).cause ?? ''}`;
    if (!DUPLICATE_NAME.test(text)) throw err;
    throw new Refused(`There is already a ${kind.label.toLowerCase()} template named “${name}”.`, 'name');
  }
}

/** Adds a template of the kind; made the default, the kind's other default stops being one in the same batch. */
export async function createTemplate(db: Db, orgId: string, kindKey: string, v: TemplateValues) {
  const kind = templateKind(kindKey);
  if (!kind) throw new Refused('Choose a document type from the list.', 'kind');
  const now = Date.now();
  const id = createId();
  const insert = db
    .insert(documentTemplates)
    .values({ id, orgId, kind: kind.key, ...columns(v), createdAt: now, updatedAt: now });
  await uniqueName(kind, v.name, async () => {
    if (v.isDefault) await db.batch([unsetDefault(db, orgId, kind.key, id), insert]);
    else await insert;
  });
  return id;
}

/** Saves a template over itself (its kind stays); unticking "default" leaves the kind with none. */
export async function updateTemplate(db: Db, orgId: string, id: string, v: TemplateValues) {
  const template = await findTemplate(db, orgId, id);
  const kind = template && kindByKey(template.kind);
  if (!template || !kind) throw new NotFound();
  const update = db
    .update(documentTemplates)
    .set({ ...columns(v), updatedAt: Date.now() })
    .where(and(eq(documentTemplates.orgId, orgId), eq(documentTemplates.id, id)))
    .returning({ id: documentTemplates.id });
  const [, updated] = await uniqueName(kind, v.name, () =>
    db.batch([v.isDefault ? unsetDefault(db, orgId, template.kind, id) : noop(db), update]),
  );
  if (!updated.length) throw new NotFound();
}

/** A statement that changes nothing: keeps a batch's shape when it has no other statement to run first. */
const noop = (db: Db) => db.select({ id: documentTemplates.id }).from(documentTemplates).where(sql`0`);

/**
 * Makes the template its kind's default: in one batch the kind's other default is unset, then this one set,
 * both scoped to the org. D1 runs batches one at a time, so of many clicks at once the last leaves exactly one.
 */
export async function makeDefault(db: Db, orgId: string, id: string) {
  const kindOfIt = sql`(SELECT ${documentTemplates.kind} FROM ${documentTemplates}
    WHERE ${documentTemplates.orgId} = ${orgId} AND ${documentTemplates.id} = ${id})`;
  const [, made] = await db.batch([
    unsetDefault(db, orgId, kindOfIt, id),
    db
      .update(documentTemplates)
      .set({ isDefault: true, updatedAt: Date.now() })
      .where(and(eq(documentTemplates.orgId, orgId), eq(documentTemplates.id, id)))
      .returning({ id: documentTemplates.id, name: documentTemplates.name, kind: documentTemplates.kind }),
  ]);
  if (!made[0]) throw new NotFound();
  return made[0];
}

/** Deletes a template; drafts made from it keep what they took (their reminders fall back to the company's). */
export async function deleteTemplate(db: Db, orgId: string, id: string) {
  const [gone] = await db
    .delete(documentTemplates)
    .where(and(eq(documentTemplates.orgId, orgId), eq(documentTemplates.id, id)))
    .returning({ name: documentTemplates.name });
  if (!gone) throw new NotFound();
  return gone;
}

/** The org's templates, kind by kind: the default first, then by name. */
export async function listTemplates(db: Db, orgId: string) {
  return db
    .select()
    .from(documentTemplates)
    .where(eq(documentTemplates.orgId, orgId))
    .orderBy(asc(documentTemplates.kind), desc(documentTemplates.isDefault), asc(documentTemplates.name));
}

export async function findTemplate(db: Db, orgId: string, id: string) {
  const [row] = await db
    .select()
    .from(documentTemplates)
    .where(and(eq(documentTemplates.orgId, orgId), eq(documentTemplates.id, id)));
  return row ?? null;
}

/** The item step's "Template" choices for a kind: the default first, then by name. */
export async function templateChoices(db: Db, orgId: string, kindKey: string) {
  return db
    .select({ id: documentTemplates.id, name: documentTemplates.name, isDefault: documentTemplates.isDefault })
    .from(documentTemplates)
    .where(and(eq(documentTemplates.orgId, orgId), eq(documentTemplates.kind, kindKey)))
    .orderBy(desc(documentTemplates.isDefault), asc(documentTemplates.name));
}

/**
 * The reminders the send page proposes for a document started from a template: its plan, or null when the
 * template says "the company's reminder settings" or is gone.
 */
export async function templateReminders(db: Db, orgId: string, templateId: string): Promise<ReminderPlan | null> {
  const [row] = await db
    .select({ plan: documentTemplates.reminderPlan })
    .from(documentTemplates)
    .where(and(eq(documentTemplates.orgId, orgId), eq(documentTemplates.id, templateId)));
  return parsePlan(row?.plan);
}
