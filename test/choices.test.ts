import { and, asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import {
  checkChosen,
  choiceShape,
  choiceSummary,
  defaultChosen,
  includedLines,
  parseSelection,
  type ChoiceLine,
} from '../src/documents/choices';
import { buildSnapshot, totalsFor } from '../src/documents/snapshot';
import { contractSoFar } from '../src/documents/queries';
import { chosenItemLines } from '../src/signing/queries';
import { DEMO_ORG_ID, seedChoicesDemo, seedDemo } from '../src/dev/seed';
import {
  activity,
  costGroups,
  costItems,
  documentLines,
  documents,
  documentVersions,
  type LineChoice,
} from '../src/db/schema';
import { Browser, db } from './helpers';
import { unescape } from './pages';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { editDraft, formFields, sentSnapshot } from './portal-fixtures';

// Issue 20, part A1: the rules of choices, the editor that sets them, and what an approval makes of them.

const line = (
  id: string,
  kind: 'item' | 'group',
  choice?: LineChoice,
  extra: Partial<ChoiceLine> = {},
): ChoiceLine => ({
  id,
  kind,
  name: id.toUpperCase(),
  ...(choice ? { choice } : {}),
  ...extra,
});

// Before the first group: a required item. "floor" is an optional group with two (required) items; "vanity" a
// required group with a choose-one set of three and a required install; "mirror" an optional item.
const doc: ChoiceLine[] = [
  line('intro', 'item'),
  line('floor', 'group', 'optional'),
  line('mat', 'item'),
  line('stat', 'item'),
  line('vanity', 'group'),
  line('oak', 'item', 'alternate', { choiceSet: 'Vanity' }),
  line('painted', 'item', 'alternate', { choiceSet: 'Vanity', preselected: true }),
  line('walnut', 'item', 'alternate', { choiceSet: ' Vanity ' }),
  line('install', 'item'),
  line('mirror', 'item', 'optional', { preselected: true }),
];
const ids = (lines: ChoiceLine[]) => lines.map((l) => l.id);

describe('the rules of choices (documents/choices.ts)', () => {
  it('choiceShape finds the optional lines, the sets by name and each line’s group', () => {
    const shape = choiceShape(doc);
    expect(shape.any).toBe(true);
    expect(shape.optional).toEqual(['floor', 'mirror']);
    expect(shape.sets).toEqual([{ name: 'Vanity', ids: ['oak', 'painted', 'walnut'] }]);
    expect(shape.groupOf.get('intro')).toBeNull();
    expect(shape.groupOf.get('floor')).toBeNull();
    expect(shape.groupOf.get('stat')).toBe('floor');
    expect(shape.groupOf.get('mirror')).toBe('vanity');
    expect(choiceShape([line('a', 'item'), line('b', 'item', 'required')]).any).toBe(false);
    // An alternate without a set name is a set of its own, named after it.
    expect(choiceShape([line('x', 'item', 'alternate')]).sets).toEqual([{ name: 'X', ids: ['x'] }]);
  });

  it('defaultChosen is the preselected optional lines and each set’s preselected (else first) line, in order', () => {
    expect(defaultChosen(doc)).toEqual(['painted', 'mirror']);
    const noneMarked = doc.map((l) => ({ ...l, preselected: false }));
    expect(defaultChosen(noneMarked)).toEqual(['oak']);
    expect(defaultChosen([line('a', 'item')])).toEqual([]);
  });

  it('checkChosen takes a valid choice in document order, without duplicates', () => {
    expect(checkChosen(doc, ['walnut', 'floor', 'walnut', 'floor'])).toEqual({ ok: true, chosen: ['floor', 'walnut'] });
    expect(checkChosen(doc, ['oak'])).toEqual({ ok: true, chosen: ['oak'] });
    expect(checkChosen([line('a', 'item')], [])).toEqual({ ok: true, chosen: [] });
  });

  it('checkChosen refuses an unknown or required line, two of a set and none of a set', () => {
    const unknown = { ok: false, message: 'One of the options you chose is not on this document.' };
    expect(checkChosen(doc, ['oak', 'nope'])).toEqual(unknown);
    expect(checkChosen(doc, ['oak', 'install'])).toEqual(unknown);
    expect(checkChosen(doc, ['oak', 'mat'])).toEqual(unknown);
    expect(checkChosen(doc, ['oak', 'walnut'])).toEqual({ ok: false, message: 'Choose only one option for “Vanity”.' });
    expect(checkChosen(doc, ['floor'])).toEqual({ ok: false, message: 'Choose one option for “Vanity”.' });
  });

  it('includedLines keeps required lines, chosen lines and only the items of included groups', () => {
    expect(ids(includedLines(doc, ['painted']))).toEqual(['intro', 'vanity', 'painted', 'install']);
    expect(ids(includedLines(doc, ['floor', 'oak', 'mirror']))).toEqual([
      'intro',
      'floor',
      'mat',
      'stat',
      'vanity',
      'oak',
      'install',
      'mirror',
    ]);
    // A whole optional group comes and goes with its items; a required document is whole.
    const plain = [line('g', 'group'), line('a', 'item')];
    expect(includedLines(plain, [])).toEqual(plain);
  });

  it('choiceSummary names every option offered, chosen or not', () => {
    expect(choiceSummary(doc, ['floor', 'walnut'])).toEqual({
      optional: [
        { id: 'floor', name: 'FLOOR', chosen: true },
        { id: 'mirror', name: 'MIRROR', chosen: false },
      ],
      sets: [{ name: 'Vanity', chosen: 'WALNUT' }],
    });
  });

  it('parseSelection reads a stored selection and nothing else', () => {
    expect(parseSelection(null)).toBeNull();
    expect(parseSelection('')).toBeNull();
    expect(parseSelection('{not json')).toBeNull();
    expect(parseSelection('{"chosen":"oak"}')).toBeNull();
    expect(parseSelection('{"chosen":[1]}')).toBeNull();
    expect(parseSelection('{"chosen":["oak"]}')).toEqual({ chosen: ['oak'], by: '', at: 0 });
    expect(parseSelection('{"chosen":["oak"],"by":"Dana Reyes","at":5}')).toEqual({
      chosen: ['oak'],
      by: 'Dana Reyes',
      at: 5,
    });
  });

  it('totals count the required and preselected lines; each line keeps its own total', () => {
    const priced = (l: ChoiceLine, cents: number) => ({
      ...l,
      description: '',
      quantity: 10_000,
      unit: 'ea',
      unitCost: 0,
      unitPrice: cents,
      taxable: false,
    });
    const lines = doc.map((l, i) => priced(l, l.kind === 'group' ? 0 : (i + 1) * 100));
    const version = { type: 'customer_order', subtype: 'estimate', taxRate: 0, depositKind: 'none', depositValue: 0 };
    // intro 1, painted 7, install 9, mirror 10 (hundreds of cents).
    expect(totalsFor(version as never, lines, []).total).toBe(2_700);
    const snapshot = buildSnapshot({
      document: { id: 'd', type: 'customer_order', subtype: 'estimate', number: 'EST-1', requireSignature: true },
      version: {
        version: 1,
        title: 'T',
        issueDate: '2026-12-01',
        dueDate: null,
        description: '',
        terms: '',
        footer: '',
        taxRate: 0,
        depositKind: 'none',
        depositValue: 0,
        preparedForName: '',
        preparedForEmail: '',
      },
      lines,
      payments: [],
      org: {
        name: 'O',
        address: '',
        phone: '',
        email: '',
        brandColor: '#000000',
        logoKey: null,
        logoContentType: null,
        currency: 'USD',
        timeZone: 'UTC',
      },
      job: { number: 1, name: 'J', address: '' },
      account: null,
      preparedBy: { name: '', email: '' },
    });
    expect(snapshot.totals.total).toBe(2_700);
    expect(snapshot.lines.find((l) => l.id === 'walnut')).toMatchObject({
      total: 800,
      choice: 'alternate',
      choiceSet: ' Vanity ',
      preselected: false,
    });
    expect(snapshot.lines.find((l) => l.id === 'intro')).not.toHaveProperty('choice');
  });
});

// ---------------------------------------------------------------------------------------------
// The editor.

type Fields = [string, string][];

const usd = (cents: number) =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(cents / 100);

/** The fields with `name.<id>`-style values set (added when absent), everything else as rendered. */
function withValues(fields: Fields, values: Record<string, string>): Fields {
  const out = fields.filter(([k]) => !(k in values));
  for (const [k, v] of Object.entries(values)) if (v !== '') out.push([k, v]);
  return out;
}

async function linesOf(documentId: string) {
  const [doc] = await db().select().from(documents).where(eq(documents.id, documentId));
  const [version] = await db()
    .select()
    .from(documentVersions)
    .where(and(eq(documentVersions.documentId, documentId), eq(documentVersions.version, doc.currentVersion)));
  return db()
    .select()
    .from(documentLines)
    .where(eq(documentLines.versionId, version.id))
    .orderBy(asc(documentLines.position));
}

/**
 * An estimate of the whole budget (Demolition: Remove cabinets, Dumpster; Electrical: Kitchen circuits,
 * Recessed lights), and a post of its editor with `values` over what the editor renders.
 */
async function estimateWithChoices(kind = 'estimate') {
  const co = await companyWithBudget();
  const id = await createDocument(co.browser, co.jobId, kind, { all: '1' });
  const lines = await linesOf(id);
  const by = (name: string) => lines.find((l) => l.name.startsWith(name))!.id;
  const at = {
    demolition: by('Demolition'),
    cabinets: by('Remove cabinets'),
    dumpster: by('Dumpster'),
    electrical: by('Electrical'),
    circuits: by('Kitchen circuits'),
    lights: by('Recessed lights'),
  };
  const fields = async () => formFields(await (await co.browser.get(`/documents/${id}`)).text(), `/documents/${id}`);
  const post = async (values: Record<string, string>, browser = co.browser) => {
    const grouped: Record<string, string[]> = {};
    for (const [k, v] of withValues(await fields(), values).filter(([k]) => k !== '_csrf')) (grouped[k] ??= []).push(v);
    return browser.post(`/documents/${id}`, grouped);
  };
  return { co, id, at, fields, post };
}

/** The choices a kitchen estimate offers: an optional Electrical group, a choose-one "Haul-away", an allowance. */
const choices = (at: Awaited<ReturnType<typeof estimateWithChoices>>['at']) => ({
  [`choice.${at.electrical}`]: 'optional',
  [`choice.${at.cabinets}`]: 'alternate',
  [`choiceSet.${at.cabinets}`]: 'Haul-away',
  [`choice.${at.dumpster}`]: 'alternate',
  [`choiceSet.${at.dumpster}`]: 'Haul-away',
  [`preselected.${at.dumpster}`]: 'on',
  [`allowance.${at.lights}`]: 'on',
});

describe('the draft editor’s customer choices', () => {
  it('saves each line’s choice, set, preselection and allowance; totals count the preselection', async () => {
    const e = await estimateWithChoices();
    const before = await e.co.browser.get(`/documents/${e.id}`);
    const page = await before.text();
    expect(page).toContain('Customer’s choice');
    expect(page).toContain(`<label class="small" for="f-choice.${e.at.cabinets}">`);
    const res = await e.post(choices(e.at));
    expect(res.status).toBe(303);
    const lines = await linesOf(e.id);
    const row = (id: string) => lines.find((l) => l.id === id)!;
    expect(row(e.at.electrical)).toMatchObject({ choice: 'optional', choiceSet: '', preselected: false });
    expect(row(e.at.cabinets)).toMatchObject({ choice: 'alternate', choiceSet: 'Haul-away', preselected: false });
    expect(row(e.at.dumpster)).toMatchObject({ choice: 'alternate', choiceSet: 'Haul-away', preselected: true });
    expect(row(e.at.lights)).toMatchObject({ choice: 'required', allowance: true });
    expect(row(e.at.circuits)).toMatchObject({ choice: 'required', allowance: false });

    // The editor shows what was saved, and its total is the dumpster alone (Electrical is not preselected).
    const again = await (await e.co.browser.get(`/documents/${e.id}`)).text();
    const fields = formFields(again, `/documents/${e.id}`);
    expect(fields).toContainEqual([`choice.${e.at.electrical}`, 'optional']);
    expect(fields).toContainEqual([`choiceSet.${e.at.dumpster}`, 'Haul-away']);
    expect(fields).toContainEqual([`preselected.${e.at.dumpster}`, 'on']);
    expect(fields).toContainEqual([`allowance.${e.at.lights}`, 'on']);
    const subtotal = /Subtotal<\/th><td class="num">([^<]*)</.exec(again)?.[1];
    expect(subtotal).toBe(usd(row(e.at.dumpster).unitPrice));
    // A line left out of the total still shows its own total.
    const circuits = row(e.at.circuits);
    expect(again).toContain(`<td class="num">${usd((circuits.quantity / 10_000) * circuits.unitPrice)}</td>`);

    // Saving again with nothing changed writes nothing; changing only a choice is an edit.
    const edits = async () => (await db().select().from(activity).where(eq(activity.documentId, e.id))).length;
    const n = await edits();
    expect((await e.post({})).status).toBe(303);
    expect(await edits()).toBe(n);
    expect((await e.post({ [`preselected.${e.at.electrical}`]: 'on' })).status).toBe(303);
    expect(await edits()).toBe(n + 1);
    expect((await linesOf(e.id)).find((l) => l.id === e.at.electrical)!.preselected).toBe(true);
  });

  it('refuses choices that break a rule with the message on the field, the form kept and nothing saved', async () => {
    const e = await estimateWithChoices();
    const saved = await linesOf(e.id);
    const cases: [Record<string, string>, string, string][] = [
      [
        { [`choice.${e.at.cabinets}`]: 'alternate', [`choiceSet.${e.at.cabinets}`]: '' },
        `choiceSet.${e.at.cabinets}`,
        'Name the choose-one set this line belongs to, e.g. “Vanity”.',
      ],
      [
        { [`choice.${e.at.cabinets}`]: 'alternate', [`choiceSet.${e.at.cabinets}`]: 'Haul-away' },
        `choiceSet.${e.at.cabinets}`,
        '“Haul-away” has only this line: a choose-one set needs two or more lines with the same set name ' +
          '(or make this line Optional).',
      ],
      [
        { [`choice.${e.at.electrical}`]: 'optional', [`choice.${e.at.lights}`]: 'optional' },
        `choice.${e.at.lights}`,
        'This line is inside “Electrical”, which is optional: its lines come and go with it, so keep this one Required.',
      ],
      [
        {
          ...choices(e.at),
          [`preselected.${e.at.cabinets}`]: 'on',
        },
        `preselected.${e.at.dumpster}`,
        'Preselect only one line of “Haul-away”: the customer starts from that one.',
      ],
      [{ [`choice.${e.at.circuits}`]: 'maybe' }, `choice.${e.at.circuits}`, 'Choose Required, Optional or Alternate'],
    ];
    for (const [values, field, message] of cases) {
      const res = await e.post({ ...values, title: 'Typed, not saved' });
      expect(res.status, field).toBe(422);
      const body = unescape(await res.text());
      expect(body).toContain('Please fix the field marked below.');
      expect(body, field).toMatch(new RegExp(`id="e-${field.replace('.', '\\.')}">${message.slice(0, 30)}`));
      // The page keeps what was typed.
      const kept = formFields(body, `/documents/${e.id}`);
      expect(kept).toContainEqual(['title', 'Typed, not saved']);
      for (const [k, v] of Object.entries(values))
        if (k.startsWith('choice.') && v !== 'maybe') expect(kept).toContainEqual([k, v]);
      expect(await linesOf(e.id)).toEqual(saved);
    }
  });

  it('keeps every line of an invoice required: no choice fields, and a post with one is refused', async () => {
    const e = await estimateWithChoices('customer_invoice');
    const page = await (await e.co.browser.get(`/documents/${e.id}`)).text();
    expect(page).not.toContain('Customer’s choice');
    const res = await e.post({ [`choice.${e.at.cabinets}`]: 'optional' });
    expect(res.status).toBe(422);
    expect(unescape(await res.text())).toContain(
      'Every line of this invoice is required: only estimates, proposals and change orders offer the customer ' +
        'choices and allowances.',
    );
    const allowance = await e.post({ [`allowance.${e.at.cabinets}`]: 'on' });
    expect(allowance.status).toBe(422);
    expect((await linesOf(e.id)).every((l) => l.choice === 'required' && !l.allowance)).toBe(true);
  });

  it('answers another company’s user 404 and a signed-out visitor 401, saving nothing', async () => {
    const e = await estimateWithChoices();
    const saved = await linesOf(e.id);
    const other = await companyWithBudget({ company: 'Elsewhere Builders' });
    const grouped: Record<string, string[]> = {};
    for (const [k, v] of withValues(await e.fields(), choices(e.at)).filter(([k]) => k !== '_csrf'))
      (grouped[k] ??= []).push(v);
    const foreign = await other.browser.post(`/documents/${e.id}`, grouped);
    expect(foreign.status).toBe(404);
    const stranger = await new Browser().post(`/documents/${e.id}`, grouped);
    expect(stranger.status).toBe(401);
    expect(await linesOf(e.id)).toEqual(saved);
  });

  it('two saves at once each land whole: the lines end as one of them, never a mix', async () => {
    const e = await estimateWithChoices();
    const a = choices(e.at);
    const b = {
      [`choice.${e.at.demolition}`]: 'optional',
      [`preselected.${e.at.demolition}`]: 'on',
      [`choice.${e.at.circuits}`]: 'optional',
    };
    const results = await Promise.all([e.post(a), e.post(b), e.post(a)]);
    expect(results.map((r) => r.status)).toEqual([303, 303, 303]);
    const lines = await linesOf(e.id);
    const shape = lines.map((l) => [l.choice, l.choiceSet, l.preselected, l.allowance].join('|'));
    const isA = lines.find((l) => l.id === e.at.dumpster)!.choice === 'alternate';
    const expected = isA
      ? lines.map((l) =>
          l.id === e.at.electrical
            ? 'optional||false|false'
            : l.id === e.at.cabinets
              ? 'alternate|Haul-away|false|false'
              : l.id === e.at.dumpster
                ? 'alternate|Haul-away|true|false'
                : l.id === e.at.lights
                  ? 'required||false|true'
                  : 'required||false|false',
        )
      : lines.map((l) =>
          l.id === e.at.demolition
            ? 'optional||true|false'
            : l.id === e.at.circuits
              ? 'optional||false|false'
              : 'required||false|false',
        );
    expect(shape).toEqual(expected);
    expect(lines).toHaveLength(6);
  });

  it('a revision copies every line’s choice', async () => {
    const e = await estimateWithChoices();
    expect((await e.post(choices(e.at))).status).toBe(303);
    await sendDocument(e.co.browser, e.id);
    const sent = await linesOf(e.id);
    const revise = await e.co.browser.post(`/documents/${e.id}/revise`);
    expect(revise.status).toBe(303);
    const revised = await linesOf(e.id);
    expect(revised.map((l) => l.id)).not.toEqual(sent.map((l) => l.id));
    const facts = (ls: typeof sent) => ls.map((l) => [l.name, l.choice, l.choiceSet, l.preselected, l.allowance]);
    expect(facts(revised)).toEqual(facts(sent));
  });
});

// ---------------------------------------------------------------------------------------------
// What an approval makes of the choices.

describe('an approved document with choices', () => {
  it('chosenItemLines is the items of the choice given, else the stored selection, else the preselection', async () => {
    const e = await estimateWithChoices('change_order');
    expect((await e.post(choices(e.at))).status).toBe(303);
    const orgId = e.co.orgId;
    const [version] = await db().select().from(documentVersions).where(eq(documentVersions.documentId, e.id));
    const names = async (chosen?: string[]) =>
      (await chosenItemLines(db(), orgId, version.id, chosen)).map((l) => l.name.split(' ')[0]);
    // The preselection: the dumpster of the set; the optional Electrical group is not preselected.
    expect(await names()).toEqual(['Dumpster']);
    expect(await names([e.at.electrical, e.at.cabinets])).toEqual(['Remove', 'Kitchen', 'Recessed']);
    await db()
      .update(documentVersions)
      .set({ selection: JSON.stringify({ chosen: [e.at.cabinets], by: 'Dana Reyes', at: 1 }) })
      .where(eq(documentVersions.id, version.id));
    expect(await names()).toEqual(['Remove']);
    // Another company's id finds nothing.
    expect(await chosenItemLines(db(), 'someoneelse00000', version.id)).toEqual([]);
  });

  it('an approved change order adds only the chosen lines to the budget', async () => {
    const e = await estimateWithChoices('change_order');
    expect((await e.post(choices(e.at))).status).toBe(303);
    const { link } = await sendDocument(e.co.browser, e.id);
    const r = new Browser();
    await r.get(link);
    const page = await (await r.get(`/portal/documents/${e.id}`)).text();
    const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(page)![1];
    const signed = await r.post(`/portal/documents/${e.id}/sign`, {
      versionHash: hash,
      idempotencyKey: `k-choices-${e.id}`,
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
      choices: '1',
      choose: [e.at.electrical, e.at.cabinets],
    });
    expect(signed.status, (await signed.text()).slice(0, 500)).toBe(303);
    const [doc] = await db().select().from(documents).where(eq(documents.id, e.id));
    expect(doc.status).toBe('approved');
    const [group] = await db().select().from(costGroups).where(eq(costGroups.sourceDocumentId, e.id));
    const added = await db()
      .select({ name: costItems.name })
      .from(costItems)
      .where(eq(costItems.groupId, group.id))
      .orderBy(asc(costItems.position));
    expect(added.map((i) => i.name)).toEqual(['Remove cabinets', 'Kitchen circuits', 'Recessed lights — Zürich “LED”']);

    // The contractor's page says what was chosen, and the total those choices make.
    const mine = unescape(await (await e.co.browser.get(`/documents/${e.id}`)).text());
    expect(mine).toContain('<h2 id="choices-made-h">Chosen by Dana Reyes</h2>');
    expect(mine).toContain('<li>Haul-away: <strong>Remove cabinets</strong></li>');
    expect(mine).toContain('<li>Electrical: <strong>Added</strong></li>');
    const items = await db().select().from(costItems).where(eq(costItems.groupId, group.id));
    const total = items.reduce((sum, i) => sum + (i.quantity / 10_000) * i.unitPrice, 0);
    expect(mine).toContain(`Total with these choices: <strong>${usd(total)}</strong>`);
  });

  // An offline approval's choice writes the same selected snapshot (offline-approval.test.ts checks its contract).
  it('the contract so far counts a chosen version’s chosen total', async () => {
    const e = await estimateWithChoices();
    expect((await e.post(choices(e.at))).status).toBe(303);
    await sendDocument(e.co.browser, e.id);
    const snapshot = await sentSnapshot(e.id);
    const [doc] = await db().select().from(documents).where(eq(documents.id, e.id));
    const [version] = await db().select().from(documentVersions).where(eq(documentVersions.documentId, e.id));
    await db().update(documents).set({ status: 'approved' }).where(eq(documents.id, e.id));
    const soFar = () => contractSoFar(db(), e.co.orgId, doc.jobId, 'none');
    expect(await soFar()).toEqual({ original: [snapshot.totals.total], approvedChanges: [] });

    // A choice made (signing, or recorded offline): its chosen snapshot's total.
    const chosenSnapshot = { ...snapshot, totals: { ...snapshot.totals, total: 123_456 } };
    await db()
      .update(documentVersions)
      .set({ selectedSnapshot: JSON.stringify(chosenSnapshot) })
      .where(eq(documentVersions.id, version.id));
    expect(await soFar()).toEqual({ original: [123_456], approvedChanges: [] });
    // Another company's view of the job has none of it.
    expect(await contractSoFar(db(), 'someoneelse00000', doc.jobId, 'none')).toEqual({
      original: [],
      approvedChanges: [],
    });
  });
});

describe('the demo estimate with choices', () => {
  it('is sent to Dana Reyes once, with an optional heated floor, three vanities and a tile allowance', async () => {
    await seedDemo(db());
    const first = await seedChoicesDemo(env, db(), 'http://localhost');
    expect(first.created).toBe(true);
    expect(await seedChoicesDemo(env, db(), 'http://localhost')).toEqual({ created: false, id: first.id });
    const snapshot = await sentSnapshot(first.id);
    expect(snapshot.preparedFor.contactName).toBe('Dana Reyes');
    const shape = choiceShape(snapshot.lines);
    expect(shape.optional.map((id) => snapshot.lines.find((l) => l.id === id)!.name)).toEqual(['Heated floor']);
    expect(shape.sets).toHaveLength(1);
    expect(shape.sets[0].name).toBe('Vanity');
    expect(shape.sets[0].ids).toHaveLength(3);
    expect(snapshot.lines.find((l) => l.allowance)).toMatchObject({ name: 'Tile', total: 300_000 });
    const [doc] = await db().select().from(documents).where(eq(documents.id, first.id));
    expect(doc).toMatchObject({ orgId: DEMO_ORG_ID, status: 'sent' });
  });
});
