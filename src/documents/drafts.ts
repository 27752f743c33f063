import { createId } from '../db/ids';
import type { Db } from '../db/client';
import { documentLines, lineChoices, type costTypes, type LineChoice } from '../db/schema';
import { FormCheck, type RawForm } from '../http/validate';
import { MAX_LINE_TOTAL, MAX_QUANTITY, MAX_UNIT_AMOUNT, lineTotal } from '../budget/totals';
import { Refused } from '../errors';
import { offersChoices, type Kind } from './kinds';
import { chunk, LINE_COLUMNS } from './queries';
import { displayJson } from './display';
import { checkDisplay, DISPLAY_FIELDS } from './display-form';

export const MAX_LINES = 1000;

export interface DraftLine {
  id: string;
  kind: 'item' | 'group';
  costItemId: string | null;
  name: string;
  description: string;
  costCode: string;
  costType: (typeof costTypes)[number] | null;
  quantity: number;
  unit: string;
  unitCost: number;
  unitPrice: number;
  taxable: boolean;
  /** Issue 20: what the customer may do with the line (documents/choices.ts); 'required' on other kinds. */
  choice: LineChoice;
  choiceSet: string;
  preselected: boolean;
  allowance: boolean;
}

/** A line's choice fields as every new line starts: required, in no set, not an allowance. */
export const REQUIRED_CHOICE = { choice: 'required', choiceSet: '', preselected: false, allowance: false } as const;

/** A cost group as the draft builder reads it. */
export interface BudgetGroup {
  id: string;
  name: string;
}
/** A budget item as the draft builder reads it. */
export interface BudgetItem {
  id: string;
  groupId: string;
  name: string;
  description: string;
  costCode: string;
  costType: (typeof costTypes)[number];
  quantity: number;
  unit: string;
  unitCost: number;
  unitPrice: number;
  taxable: boolean;
  vendorAccountId: string | null;
}

/** A line with nothing on it yet but its kind and name: a group heading, or a new item to fill in. */
function blankLine(kind: DraftLine['kind'], name: string): DraftLine {
  return {
    id: createId(),
    kind,
    costItemId: null,
    name,
    description: '',
    costCode: '',
    costType: null,
    quantity: 0,
    unit: '',
    unitCost: 0,
    unitPrice: 0,
    taxable: false,
    ...REQUIRED_CHOICE,
  };
}

/** The draft's lines for the chosen budget items, under their group headings, in budget order. */
export function linesFromBudget(groups: BudgetGroup[], items: BudgetItem[], chosen: Set<string>): DraftLine[] {
  const lines: DraftLine[] = [];
  for (const g of groups) {
    const picked = items.filter((i) => i.groupId === g.id && chosen.has(i.id));
    if (!picked.length) continue;
    lines.push(blankLine('group', g.name));
    for (const i of picked) {
      lines.push({
        id: createId(),
        kind: 'item',
        costItemId: i.id,
        name: i.name,
        description: i.description,
        costCode: i.costCode,
        costType: i.costType,
        quantity: i.quantity,
        unit: i.unit,
        unitCost: i.unitCost,
        unitPrice: i.unitPrice,
        taxable: i.taxable,
        ...REQUIRED_CHOICE,
      });
    }
  }
  return lines;
}

/** What the contractor picked on the "choose items" page: every item, whole groups, single items. */
export interface BudgetSelection {
  all: boolean;
  groups: string[];
  items: string[];
}

/** The ids of the budget items a selection covers. */
export function chosenItems(items: Pick<BudgetItem, 'id' | 'groupId'>[], selection: BudgetSelection): Set<string> {
  if (selection.all) return new Set(items.map((i) => i.id));
  const groups = new Set(selection.groups);
  const picked = new Set(selection.items);
  return new Set(items.filter((i) => groups.has(i.groupId) || picked.has(i.id)).map((i) => i.id));
}

export const MAX_TITLE = 200;

/** "Demolition", "Demolition and Electrical", "Demolition, Electrical and Plumbing", "A, B and 3 more". */
function titleList(names: string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  if (names.length > 3) return `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * A new draft's suggested title: what it covers (the chosen budget groups, else the job) and its
 * kind, "Cabinets and Counters — estimate". public/draft-title.js suggests the same as boxes are ticked.
 */
export function suggestedTitle(kind: Pick<Kind, 'label'>, groupNames: string[], jobName: string): string {
  const what = titleList(groupNames) || jobName;
  const suffix = ` — ${kind.label.toLowerCase()}`;
  return what.slice(0, MAX_TITLE - suffix.length) + suffix;
}

/** The title typed for a new draft, trimmed; Refused when blank or too long. */
export function checkTitle(raw: string, kind: Pick<Kind, 'label' | 'side'>): string {
  const title = raw.replace(/\s+/g, ' ').trim();
  const name = kind.label.toLowerCase();
  if (!title)
    throw new Refused(`Give the ${name} a title: the ${kind.side} sees it in the email and on the document.`, 'title');
  if (title.length > MAX_TITLE)
    throw new Refused(`The title can be at most ${MAX_TITLE} characters; it has ${title.length}.`, 'title');
  return title;
}

/**
 * Line ids are primary keys, so a revision gives each line a new id that keeps its first 20
 * characters: its lineage across versions.
 */
export const lineage = (lineId: string) => lineId.slice(0, 20);
export const revisedLineId = (lineId: string, version: number) =>
  `${lineage(lineId)}r${String(version).padStart(3, '0')}`;

export function lineInserts(db: Db, orgId: string, documentId: string, versionId: string, lines: DraftLine[]) {
  const rows = lines.map((l, i) => ({ ...l, id: l.id, orgId, documentId, versionId, position: i + 1 }));
  return chunk(rows, LINE_COLUMNS).map((part) => db.insert(documentLines).values(part));
}

/** Today's calendar date in a time zone, as YYYY-MM-DD. */
const dayFormats = new Map<string, Intl.DateTimeFormat>();
// A zone's offset is whole minutes, so its date can only change on a whole UTC minute: the last answer per zone
// holds for the rest of that minute (a list page asks once per row).
const lastDay = new Map<string, { minute: number; day: string }>();
export function todayIn(timeZone: string, now = Date.now()): string {
  const minute = Math.floor(now / 60_000);
  const last = lastDay.get(timeZone);
  if (last?.minute === minute) return last.day;
  let f = dayFormats.get(timeZone);
  if (!f)
    dayFormats.set(
      timeZone,
      (f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })),
    );
  const day = f.format(new Date(now));
  lastDay.set(timeZone, { minute, day });
  return day;
}

export function addDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whether documents of the kind can be paid online: customer invoices, and orders' deposits. */
export const takesOnlinePayment = (kind: Pick<Kind, 'type'>) =>
  kind.type === 'customer_invoice' || kind.type === 'customer_order';

/**
 * Reads the draft editor: header fields, then the lines in the order the form lists them,
 * applying removals, the one new line, and a move button if one was pressed.
 */
/** Issue 20: only a customer's priced document may hide numbers; a vendor prices or supplies every line. */
export const hidesNumbers = (kind: Pick<Kind, 'side' | 'amountColumn'>) =>
  kind.side === 'customer' && kind.amountColumn === 'price';

export function checkDraft(raw: RawForm, all: Record<string, string[]>, kind: Kind, existing: DraftLine[]) {
  const f = new FormCheck(raw);
  const header = {
    title: f.text('title', { label: 'Title', required: true, max: 200 }),
    number: f.text('number', { label: 'Number', required: true, max: 30 }),
    issueDate: f.date('issueDate', { label: 'Issue date', required: true }) ?? '',
    dueDate: f.date('dueDate', { label: kind.dueLabel }),
    description: f.text('description', { label: 'Description', max: 10_000, multiline: true }),
    terms: f.text('terms', { label: 'Terms', max: 10_000, multiline: true }),
    footer: f.text('footer', { label: 'Footer', max: 1000, multiline: true }),
    accountId: raw.accountId ? f.id('accountId') : null,
    contactId: raw.contactId ? f.id('contactId') : null,
    taxRate: kind.amountColumn === 'bid' ? 0 : (f.rate('taxRate', { label: 'Tax rate', min: 0, max: 50_000 }) ?? 0),
    depositKind: kind.hasDeposit
      ? (f.choice('depositKind', ['none', 'percent', 'fixed'] as const, { label: 'Deposit' }) ?? 'none')
      : ('none' as const),
    depositValue: 0,
    requireSignature: f.bool('requireSignature'),
    onlinePayment: takesOnlinePayment(kind) && f.bool('onlinePayment'),
    /** Issue 20: JSON DisplayOptions; absent when the form has no display fieldset (the version keeps its own). */
    display: hidesNumbers(kind) && raw[DISPLAY_FIELDS.mode] !== undefined ? displayJson(checkDisplay(f)) : undefined,
  };
  if (header.number && !/^[A-Za-z0-9][A-Za-z0-9._\/-]*$/.test(header.number))
    f.fail('number', 'Number may use letters, digits, dots, dashes and slashes.');
  if (raw.accountId && !header.accountId) f.fail('accountId', 'Choose a recipient from the list.');
  if (raw.contactId && !header.contactId) f.fail('contactId', 'Choose a contact from the list.');
  if (header.dueDate && header.issueDate && header.dueDate < header.issueDate)
    f.fail('dueDate', `${kind.dueLabel} cannot be before the issue date.`);
  if (header.depositKind === 'percent')
    header.depositValue = f.rate('depositValue', { label: 'Deposit', required: true, min: 0, max: 100_000 }) ?? 0;
  if (header.depositKind === 'fixed')
    header.depositValue =
      f.money('depositValue', { label: 'Deposit', required: true, min: 0, max: MAX_LINE_TOTAL }) ?? 0;

  const keys = all.line ?? [];
  const byId = new Map(existing.map((l) => [l.id, l]));
  const seen = new Set<string>();
  const lines: DraftLine[] = [];
  if (keys.length > MAX_LINES + 1)
    f.fail(
      '_form',
      `A document can have at most ${MAX_LINES.toLocaleString('en-US')} lines; ` +
        `this one has ${keys.length.toLocaleString('en-US')}. Split it into several documents.`,
    );
  else {
    for (const key of keys) {
      if (seen.has(key)) continue;
      seen.add(key);
      const old = byId.get(key);
      const isNew = key === '_new';
      if (!old && !isNew) continue;
      if (raw[`remove.${key}`]) continue;
      const name = f.text(`name.${key}`, { label: 'Line name', max: 200 });
      if (isNew && !name) continue;
      if (!name) f.fail(`name.${key}`, 'Line name is required (or tick Remove).');
      const lineKind = old ? old.kind : raw['kind._new'] === 'group' ? 'group' : 'item';
      const line: DraftLine = old ? { ...old, name } : blankLine(lineKind, name);
      if (lineKind === 'item') {
        line.description = f.text(`description.${key}`, { label: 'Description', max: 4000, multiline: true });
        line.unit = f.text(`unit.${key}`, { label: 'Unit', max: 20 });
        line.quantity =
          f.quantity(`quantity.${key}`, { label: 'Quantity', required: true, min: 0, max: MAX_QUANTITY }) ?? 0;
        line.taxable = f.bool(`taxable.${key}`);
        if (kind.amountColumn !== 'bid') {
          const label = kind.amountColumn === 'price' ? 'Unit price' : 'Unit cost';
          const amount =
            f.money(`amount.${key}`, { label, required: true, min: -MAX_UNIT_AMOUNT, max: MAX_UNIT_AMOUNT }) ?? 0;
          if (kind.amountColumn === 'price') line.unitPrice = amount;
          else line.unitCost = amount;
          // Both columns: the one not shown (a price line's cost, kept from the budget) goes to the budget too.
          const largest = Math.max(
            Math.abs(lineTotal(line.quantity, line.unitCost)),
            Math.abs(lineTotal(line.quantity, line.unitPrice)),
          );
          if (largest > MAX_LINE_TOTAL)
            f.fail(`quantity.${key}`, 'Quantity × unit amount is larger than we can handle ($10 billion per line).');
        }
      }
      readChoice(f, key, line, kind);
      lines.push(line);
    }
    if (lines.length > MAX_LINES)
      f.fail(
        '_form',
        `A document can have at most ${MAX_LINES.toLocaleString('en-US')} lines. Split it into several documents.`,
      );
    if (!lines.some((l) => l.kind === 'item')) f.fail('_form', 'A document needs at least one line item.');
  }
  const move = /^(up|down):(.+)$/.exec(raw.move ?? '');
  if (move) {
    const i = lines.findIndex((l) => l.id === move[2]);
    const j = move[1] === 'up' ? i - 1 : i + 1;
    if (i >= 0 && j >= 0 && j < lines.length) [lines[i], lines[j]] = [lines[j], lines[i]];
  }
  checkChoices(f, lines);
  return { f, header, lines };
}

export const MAX_SET_NAME = 60;

/**
 * A line's "Customer's choice" fields. Only customer orders offer choices (`offersChoices`); on any other
 * kind a line is required and not an allowance, and a post saying otherwise is refused.
 */
function readChoice(f: FormCheck, key: string, line: DraftLine, kind: Kind) {
  const raw = f.raw[`choice.${key}`] ?? '';
  if (raw && !(lineChoices as readonly string[]).includes(raw))
    f.fail(`choice.${key}`, 'Choose Required, Optional or Alternate from the list.');
  const choice = (lineChoices as readonly string[]).includes(raw) ? (raw as LineChoice) : 'required';
  const allowance = line.kind === 'item' && f.bool(`allowance.${key}`);
  if (!offersChoices(kind)) {
    // Such a kind's editor has no choice fields to mark: the message is the form's.
    if (choice !== 'required' || allowance)
      f.fail(
        '_form',
        `Every line of this ${kind.label.toLowerCase()} is required: only estimates, proposals and change ` +
          'orders offer the customer choices and allowances.',
      );
    Object.assign(line, REQUIRED_CHOICE);
    return;
  }
  line.choice = choice;
  line.choiceSet =
    choice === 'alternate' ? f.text(`choiceSet.${key}`, { label: 'Choose-one set', max: MAX_SET_NAME }) : '';
  line.preselected = choice !== 'required' && f.bool(`preselected.${key}`);
  line.allowance = allowance;
}

/**
 * The rules of choices over the draft's lines in their final order: an item inside an optional or
 * alternate group stays Required (it comes and goes with its group); a choose-one set has a name, at
 * least two lines and at most one preselected.
 */
function checkChoices(f: FormCheck, lines: readonly DraftLine[]) {
  let group: DraftLine | null = null;
  const sets = new Map<string, DraftLine[]>();
  for (const l of lines) {
    if (l.kind === 'group') group = l;
    else if (group && group.choice !== 'required' && l.choice !== 'required') {
      const how = group.choice === 'optional' ? 'optional' : 'an alternate';
      f.fail(
        `choice.${l.id}`,
        `This line is inside “${group.name}”, which is ${how}: its lines come and go with it, ` +
          'so keep this one Required.',
      );
    }
    if (l.choice !== 'alternate') continue;
    if (!l.choiceSet) f.fail(`choiceSet.${l.id}`, 'Name the choose-one set this line belongs to, e.g. “Vanity”.');
    else sets.set(l.choiceSet, [...(sets.get(l.choiceSet) ?? []), l]);
  }
  for (const [name, members] of sets) {
    if (members.length < 2)
      f.fail(
        `choiceSet.${members[0].id}`,
        `“${name}” has only this line: a choose-one set needs two or more lines with the same set name ` +
          '(or make this line Optional).',
      );
    for (const l of members.filter((m) => m.preselected).slice(1))
      f.fail(`preselected.${l.id}`, `Preselect only one line of “${name}”: the customer starts from that one.`);
  }
}

/** The editor's form values for a draft, so a refused save re-renders exactly what was typed. */
export function rawLineValues(all: Record<string, string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) if (v.length) out[k] = v[v.length - 1];
  return out;
}
