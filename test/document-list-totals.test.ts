// Issue 19: a document list (the job page's, /documents) totals each document from its items summed in SQL,
// and reads lines only of a version whose totals depend on choices. Its totals must equal what totalsFor
// makes of every line (the list's old way, and the snapshot's), whatever the lines, kinds, choices and
// payments: checked here against that oracle over random documents written straight into D1.
import { env } from 'cloudflare:workers';
import { eq, inArray } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { database } from '../src/db/client';
import { createId } from '../src/db/ids';
import { documentLines, documents, documentVersions, payments } from '../src/db/schema';
import { createDraftFromBudget, type ContractorActor } from '../src/documents/actions';
import { includedLines, parseSelection } from '../src/documents/choices';
import { documentListStatements, getVersionLines, listDocuments } from '../src/documents/queries';
import { totalsFor } from '../src/documents/snapshot';
import { companyWithBudget } from './fixtures';

const db = () => database(env.DB);
const KIND_KEYS = [
  'estimate',
  'proposal',
  'change_order',
  'customer_invoice',
  'purchase_order',
  'work_order',
  'bill',
  'bid_request',
];

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32;
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(a: T[]) => a[Math.floor(next() * a.length)],
  };
}

let co: Awaited<ReturnType<typeof companyWithBudget>>;
let ids: string[] = [];

beforeAll(async () => {
  co = await companyWithBudget({ company: 'List Totals Builders' });
  const actor: ContractorActor = { side: 'contractor', userId: co.userId, name: 'Owner Person' };
  const r = random(19);
  for (let n = 0; n < 24; n++) {
    const kind = KIND_KEYS[n % KIND_KEYS.length];
    const made = await createDraftFromBudget(db(), actor, {
      orgId: co.orgId,
      jobId: co.jobId,
      kind,
      all: true,
      groups: [],
      items: [],
    });
    if (!('id' in made)) throw new Error(`draft ${kind}: ${JSON.stringify(made)}`);
    ids.push(made.id);
  }
  // Rewrite every draft's lines and header at random: fractional quantities, odd cents, credits, taxable or
  // not; a third offer choices (optional lines, a set of alternates), and some of those carry a choice made.
  for (const [n, id] of ids.entries()) {
    const [version] = await db().select().from(documentVersions).where(eq(documentVersions.documentId, id));
    const lines = await getVersionLines(db(), co.orgId, version!.id);
    const choices = n % 3 === 0;
    const rows = lines.map((l, i) => {
      const credit = r.next() < 0.15;
      const unitCost = r.int(1, 2_500_000) * (credit ? -1 : 1);
      // An optional group comes and goes whole; its items stay required.
      const choice = !choices
        ? ('required' as const)
        : l.kind === 'group'
          ? r.pick(['required', 'optional'] as const)
          : r.pick(['required', 'optional', 'alternate'] as const);
      return {
        ...l,
        quantity: r.int(1, 400_000) + (i % 3 === 0 ? 5_000 : 0),
        unitCost,
        unitPrice: Math.round(unitCost * (1 + r.next())),
        taxable: r.next() < 0.6,
        choice,
        choiceSet: choice === 'alternate' ? 'Finish' : '',
        preselected: choice !== 'required' && r.next() < 0.5,
      };
    });
    const chosen = rows.filter((l) => l.choice !== 'required' && r.next() < 0.5).map((l) => l.id);
    const selection = choices && n % 2 === 0 ? JSON.stringify({ chosen, by: 'Pat', at: 1 }) : null;
    const deposit = r.pick(['none', 'percent', 'fixed'] as const);
    await db().batch([
      db().delete(documentLines).where(eq(documentLines.versionId, version!.id)),
      ...rows.map((l) => db().insert(documentLines).values(l)),
      db()
        .update(documentVersions)
        .set({
          taxRate: r.int(0, 12_000),
          depositKind: deposit,
          depositValue: deposit === 'percent' ? r.int(0, 50_000) : r.int(0, 900_000),
          selection,
        })
        .where(eq(documentVersions.id, version!.id)),
      ...(n % 4 === 1
        ? [
            db()
              .insert(payments)
              .values({
                id: createId(),
                orgId: co.orgId,
                documentId: id,
                amount: r.int(1, 50_000),
                paidOn: '2026-11-01',
                method: 'Check',
                reference: '',
                recordedBy: co.userId,
                createdAt: Date.now(),
              }),
          ]
        : []),
    ] as never);
  }
});

describe('a document list’s totals', () => {
  it('equal totalsFor over every line, for every kind, choice, tax, deposit and payment', async () => {
    const listed = await listDocuments(db(), co.orgId, { jobId: co.jobId });
    expect(listed.map((d) => d.id).sort()).toEqual([...ids].sort());
    const heads = await db().select().from(documents).where(inArray(documents.id, ids));
    let withChoices = 0;
    for (const d of listed) {
      const head = heads.find((h) => h.id === d.id)!;
      const [version] = await db().select().from(documentVersions).where(eq(documentVersions.documentId, d.id));
      const lines = await getVersionLines(db(), co.orgId, version!.id);
      const paid = (await db().select().from(payments).where(eq(payments.documentId, d.id))).map((p) => p.amount);
      const chosen = parseSelection(version!.selection)?.chosen;
      if (lines.some((l) => l.choice !== 'required')) withChoices++;
      const counted = chosen ? includedLines(lines, chosen).map((l) => ({ ...l, choice: 'required' as const })) : lines;
      const { lineTotals: _perLine, ...expected } = totalsFor({ ...head, ...version! }, counted, paid);
      expect(d.totals, `${head.type}/${head.subtype} ${d.id}`).toEqual(expected);
    }
    expect(withChoices).toBeGreaterThan(3);
    expect(listed.some((d) => d.totals.tax > 0 && d.totals.deposit > 0 && d.totals.paid > 0)).toBe(true);
  });

  it('reads the lines only of versions whose totals depend on choices', async () => {
    const [, , lines] = (await db().batch(
      documentListStatements(db(), co.orgId, { jobId: co.jobId }) as never,
    )) as unknown[][];
    const read = new Set((lines as { documentId: string }[]).map((l) => l.documentId));
    const versions = await db().select().from(documentVersions).where(inArray(documentVersions.documentId, ids));
    for (const v of versions) {
      const offers = (await getVersionLines(db(), co.orgId, v.id)).some((l) => l.choice !== 'required');
      expect(read.has(v.documentId), v.documentId).toBe(offers || v.selection !== null);
    }
    expect(read.size).toBeGreaterThan(0);
    expect(read.size).toBeLessThan(ids.length);
  });
});
