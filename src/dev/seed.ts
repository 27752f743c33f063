import { and, eq, isNull } from 'drizzle-orm';
import { hashPassword } from '../auth/passwords';
import { createId } from '../db/ids';
import { priceFromMarkup } from '../budget/totals';
import type { Db } from '../db/client';
import { createDraftFromBudget, sendDocument, type ContractorActor } from '../documents/actions';
import { lineInserts, REQUIRED_CHOICE, type DraftLine } from '../documents/drafts';
import { documentByRequestKey } from '../documents/queries';
import { displayJson } from '../documents/display';
import { kindByKey } from '../documents/kinds';
import type { Env } from '../env';
import {
  accounts,
  contacts,
  costGroups,
  costItems,
  counters,
  documentLines,
  documentTemplates,
  documentVersions,
  jobs,
  orgs,
  users,
  type CostType,
} from '../db/schema';

export const DEMO_EMAIL = 'demo@oakandstone.test';
export const DEMO_PASSWORD = 'build-with-oak-2026';
export const DEMO_ORG_ID = 'demoorg0oakstone';
/**
 * The demo company takes online payments out of the box: connected to development's simulated Stripe
 * account (src/payments/dev-gateway.ts), card and bank active, so a new invoice's "Accept online
 * payment" starts on and its portal page offers "Pay $X" (paid through /dev/stripe/checkout).
 */
export const DEMO_STRIPE = {
  stripeAccountId: 'acct_dev_demo',
  stripeStatus: 'active',
  stripeCard: true,
  stripeBank: true,
  onlinePaymentDefault: true,
} as const;

type ItemSeed = [
  group: string,
  name: string,
  type: CostType,
  qty: number,
  unit: string,
  unitCostCents: number,
  markupPercent: number,
  taxable: boolean,
  vendor: string | null,
  costCode: string,
  description?: string,
];

const kitchen: ItemSeed[] = [
  ['Demolition', 'Remove existing cabinets and counters', 'labor', 16, 'hr', 6500, 25, false, null, '02-410'],
  ['Demolition', 'Dumpster rental, 20 yd', 'equipment', 1, 'ea', 52500, 15, false, null, '02-420'],
  ['Demolition', 'Floor tile removal', 'labor', 180, 'sq ft', 250, 30, false, null, '02-410'],
  [
    'Framing & Drywall',
    'Relocate pantry wall',
    'labor',
    24,
    'hr',
    7000,
    25,
    false,
    null,
    '06-100',
    'Frame new 2x4 partition, header over pantry opening.',
  ],
  ['Framing & Drywall', 'Framing lumber package', 'materials', 1, 'lot', 84000, 20, true, 'lumber', '06-110'],
  ['Framing & Drywall', 'Drywall hang, tape and finish', 'subcontractor', 420, 'sq ft', 285, 20, false, null, '09-250'],
  [
    'Electrical',
    'Kitchen circuits and panel work',
    'subcontractor',
    1,
    'ls',
    420000,
    18,
    false,
    'electric',
    '26-050',
    'Two 20 A small-appliance circuits, dedicated range and dishwasher circuits, panel labeling.',
  ],
  ['Electrical', 'LED recessed lights, 6 in', 'materials', 10, 'ea', 4800, 30, true, 'electric', '26-510'],
  ['Electrical', 'Under-cabinet lighting', 'materials', 14, 'lf', 2200, 30, true, 'electric', '26-510'],
  ['Plumbing', 'Sink and dishwasher rough-in', 'subcontractor', 1, 'ls', 185000, 18, false, 'plumbing', '22-100'],
  ['Plumbing', 'Single-bowl undermount sink, stainless', 'materials', 1, 'ea', 38900, 25, true, 'plumbing', '22-400'],
  ['Plumbing', 'Pull-down faucet, brushed nickel', 'materials', 1, 'ea', 27500, 25, true, 'plumbing', '22-400'],
  ['Cabinets & Counters', 'Shaker cabinets, painted maple', 'materials', 28, 'lf', 32500, 22, true, 'lumber', '12-350'],
  ['Cabinets & Counters', 'Cabinet installation', 'labor', 32, 'hr', 7500, 25, false, null, '12-350'],
  ['Cabinets & Counters', 'Quartz countertops, 3 cm', 'subcontractor', 62, 'sq ft', 7800, 20, true, null, '12-360'],
  ['Finishes', 'Porcelain floor tile', 'materials', 195, 'sq ft', 425, 25, true, 'lumber', '09-300'],
  ['Finishes', 'Tile installation', 'labor', 180, 'sq ft', 650, 25, false, null, '09-300'],
  ['Finishes', 'Interior paint, walls and ceiling', 'subcontractor', 1, 'ls', 165000, 20, false, null, '09-900'],
];

const bath: ItemSeed[] = [
  ['Demolition', 'Gut bathroom to studs', 'labor', 20, 'hr', 6500, 25, false, null, '02-410'],
  ['Demolition', 'Debris haul-away', 'equipment', 1, 'ea', 38000, 15, false, null, '02-420'],
  ['Plumbing', 'Relocate shower valve and drain', 'subcontractor', 1, 'ls', 240000, 18, false, 'plumbing', '22-100'],
  ['Plumbing', 'Thermostatic shower valve', 'materials', 1, 'ea', 46500, 25, true, 'plumbing', '22-400'],
  ['Plumbing', 'Wall-hung toilet with carrier', 'materials', 1, 'ea', 98000, 20, true, 'plumbing', '22-400'],
  ['Plumbing', 'Double vanity faucets', 'materials', 2, 'ea', 21500, 25, true, 'plumbing', '22-400'],
  ['Electrical', 'GFCI circuits and exhaust fan', 'subcontractor', 1, 'ls', 145000, 18, false, 'electric', '26-050'],
  ['Electrical', 'Heated floor mat and thermostat', 'materials', 60, 'sq ft', 1650, 25, true, 'electric', '26-510'],
  [
    'Tile & Waterproofing',
    'Shower pan and waterproof membrane',
    'materials',
    1,
    'lot',
    68000,
    20,
    true,
    'lumber',
    '07-100',
  ],
  ['Tile & Waterproofing', 'Wall tile, 3x12 ceramic', 'materials', 210, 'sq ft', 575, 25, true, 'lumber', '09-300'],
  ['Tile & Waterproofing', 'Floor tile, hex marble', 'materials', 65, 'sq ft', 1450, 25, true, 'lumber', '09-300'],
  ['Tile & Waterproofing', 'Tile installation', 'labor', 275, 'sq ft', 1100, 25, false, null, '09-300'],
  ['Fixtures & Finishes', 'Floating double vanity, 60 in', 'materials', 1, 'ea', 189000, 20, true, 'lumber', '12-350'],
  ['Fixtures & Finishes', 'Frameless glass shower door', 'subcontractor', 1, 'ea', 210000, 18, false, null, '08-800'],
  ['Fixtures & Finishes', 'Mirrors, accessories and install', 'labor', 6, 'hr', 7000, 25, false, null, '10-280'],
  ['Fixtures & Finishes', 'Paint, moisture-resistant', 'subcontractor', 1, 'ls', 72000, 20, false, null, '09-900'],
];

const ids = (prefix: string, n: number) => `${prefix}${String(n).padStart(4, '0')}`;

/** The demo company. Fixed ids and ON CONFLICT DO NOTHING make running it twice a no-op. */
export async function seedDemo(db: Db, now = Date.now()) {
  const existing = await db.query.orgs.findFirst({ where: (o, { eq }) => eq(o.id, DEMO_ORG_ID) });
  if (existing) {
    // A demo seeded before online payments existed is connected once; one connected since stays as it is.
    if (!existing.stripeAccountId)
      await db
        .update(orgs)
        .set(DEMO_STRIPE)
        .where(and(eq(orgs.id, DEMO_ORG_ID), isNull(orgs.stripeAccountId)));
    return { created: false };
  }
  const org = DEMO_ORG_ID;
  const vendorIds: Record<string, string> = {
    lumber: 'demoacctlumber01',
    electric: 'demoacctelectric',
    plumbing: 'demoacctplumbing',
  };
  const statements = [];
  const orderTerms =
    'Prices valid for 30 days. The deposit shown is due at signing; progress payments as work is completed. ' +
    'Changes to scope require a signed change order.';
  const terms: Record<string, string> = {
    estimate: orderTerms,
    proposal: orderTerms,
    change_order:
      'Once approved, this change adjusts the contract price by the total shown ' +
      'and is billed with the next progress invoice.',
    customer_invoice: 'Payment is due by the due date shown. A 1.5% monthly charge applies to balances past due.',
    purchase_order:
      'Deliver to the job site by the date shown, weekdays 7 AM–3 PM. Put this order number on your invoice.',
    work_order:
      'Complete the work by the date shown and keep the site clean daily. Put this order number on your invoice.',
    bill: 'Paid net 30 from approval.',
    bid_request: 'Price the quantities shown, including labor, materials and delivery. Bids hold for 30 days.',
  };
  statements.push(
    db
      .insert(orgs)
      .values({
        id: org,
        name: 'Oak & Stone Builders',
        timeZone: 'America/Denver',
        currency: 'USD',
        address: '1450 Wazee Street, Suite 200\nDenver, CO 80202',
        phone: '(303) 555-0142',
        email: 'office@oakandstone.test',
        brandColor: '#2f5d50',
        defaultTaxRate: 8_810,
        defaultFooter: 'Licensed and insured · Colorado contractor license #GC-48211',
        paymentInstructions:
          'Pay by ACH to Oak & Stone Builders, First Alpine Bank, routing 102000021, account 4471 0092 18, ' +
          'or by check to the office address.',
        ...DEMO_STRIPE,
        createdAt: now,
      })
      .onConflictDoNothing(),
    // Issue 20: each kind's terms as its default template "Standard" (what migration 0011 makes of org_terms),
    // and a second estimate template that shows the customer group subtotals only. One row per statement:
    // D1 binds at most 100 values.
    ...[
      ...Object.entries(terms).map(([kind, text], i) => ({
        id: `demotemplate${String(i).padStart(2, '0')}`,
        orgId: org,
        kind,
        name: 'Standard',
        terms: text,
        requireSignature: kindByKey(kind)!.defaultRequireSignature,
        isDefault: true,
        createdAt: now,
        updatedAt: now,
      })),
      {
        id: 'demotemplatebath',
        orgId: org,
        kind: 'estimate',
        name: 'Bathroom remodel',
        description:
          'Remove the existing bathroom finishes and fixtures, then rebuild with the tile, vanity and fixtures ' +
          'listed below. Priced by area; the work is scheduled once approved.',
        terms: orderTerms,
        display: displayJson({ mode: 'group_subtotals', unitPrices: false, quantities: false, lineTotals: false }),
        depositKind: 'percent' as const,
        depositValue: 30_000,
        requireSignature: true,
        createdAt: now,
        updatedAt: now,
      },
    ].map((row) => db.insert(documentTemplates).values(row).onConflictDoNothing()),
    db
      .insert(users)
      .values({
        id: 'demouserowner001',
        orgId: org,
        email: DEMO_EMAIL,
        name: 'Sam Carter',
        role: 'owner',
        passwordHash: await hashPassword(DEMO_PASSWORD),
        createdAt: now,
      })
      .onConflictDoNothing(),
  );
  const accountRows = [
    {
      id: 'demoacctreyes001',
      kind: 'customer' as const,
      name: 'Reyes Household',
      email: 'dana.reyes@example.test',
      phone: '(720) 555-0186',
      address: '14 Elm Street\nDenver, CO 80206',
    },
    {
      id: 'demoacctpatel001',
      kind: 'customer' as const,
      name: 'Patel Family',
      email: 'arjun.patel@example.test',
      phone: '(303) 555-0119',
      address: '230 Birch Lane\nLakewood, CO 80226',
    },
    {
      id: vendorIds.lumber,
      kind: 'vendor' as const,
      name: 'Valley Lumber & Supply',
      email: 'orders@valleylumber.test',
      phone: '(303) 555-0170',
      address: '88 Industrial Way\nEnglewood, CO 80110',
    },
    {
      id: vendorIds.electric,
      kind: 'vendor' as const,
      name: 'Summit Electric LLC',
      email: 'bids@summitelectric.test',
      phone: '(720) 555-0133',
      address: '610 Ridge Road\nArvada, CO 80002',
    },
    {
      id: vendorIds.plumbing,
      kind: 'vendor' as const,
      name: 'ProFlow Plumbing',
      email: 'office@proflow.test',
      phone: '(303) 555-0158',
      address: '42 Canal Street\nDenver, CO 80216',
    },
  ];
  for (const a of accountRows)
    statements.push(
      db
        .insert(accounts)
        .values({ ...a, orgId: org, createdAt: now, updatedAt: now })
        .onConflictDoNothing(),
    );
  const contactRows = [
    {
      id: 'democontdana0001',
      accountId: 'demoacctreyes001',
      name: 'Dana Reyes',
      email: 'dana.reyes@example.test',
      phone: '(720) 555-0186',
    },
    {
      id: 'democontluis0001',
      accountId: 'demoacctreyes001',
      name: 'Luis Reyes',
      email: 'luis.reyes@example.test',
      phone: '',
    },
    {
      id: 'democontarjun001',
      accountId: 'demoacctpatel001',
      name: 'Arjun Patel',
      email: 'arjun.patel@example.test',
      phone: '(303) 555-0119',
    },
    {
      // Issue 17: the Patels both sign (the seeded estimate below goes to both).
      id: 'democontpriya001',
      accountId: 'demoacctpatel001',
      name: 'Priya Patel',
      email: 'priya.patel@example.test',
      phone: '',
    },
    {
      id: 'democontjen00001',
      accountId: vendorIds.lumber,
      name: 'Jen Park',
      email: 'jen.park@valleylumber.test',
      phone: '(303) 555-0171',
    },
    {
      id: 'democontmarco001',
      accountId: vendorIds.electric,
      name: 'Marco Ruiz',
      email: 'marco@summitelectric.test',
      phone: '(720) 555-0134',
    },
    {
      id: 'democontkeisha01',
      accountId: vendorIds.plumbing,
      name: 'Keisha Brooks',
      email: 'keisha@proflow.test',
      phone: '(303) 555-0159',
    },
  ];
  for (const p of contactRows)
    statements.push(
      db
        .insert(contacts)
        .values({ ...p, orgId: org, createdAt: now })
        .onConflictDoNothing(),
    );

  const jobSeeds = [
    {
      id: 'demojobkitchen01',
      number: 1,
      name: 'Kitchen remodel – 14 Elm Street',
      address: '14 Elm Street, Denver, CO 80206',
      customerAccountId: 'demoacctreyes001',
      items: kitchen,
    },
    {
      id: 'demojobbath00001',
      number: 2,
      name: 'Primary bath renovation – 230 Birch Lane',
      address: '230 Birch Lane, Lakewood, CO 80226',
      customerAccountId: 'demoacctpatel001',
      items: bath,
    },
  ];
  for (const j of jobSeeds) {
    statements.push(
      db
        .insert(jobs)
        .values({
          id: j.id,
          orgId: org,
          number: j.number,
          name: j.name,
          address: j.address,
          customerAccountId: j.customerAccountId,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing(),
    );
    const groupIds = new Map<string, string>();
    j.items.forEach(
      ([group, name, costType, qty, unit, unitCost, markup, taxable, vendor, costCode, description], i) => {
        if (!groupIds.has(group)) {
          const gid = ids(`${j.id.slice(0, 12)}g`, groupIds.size + 1);
          groupIds.set(group, gid);
          statements.push(
            db
              .insert(costGroups)
              .values({ id: gid, orgId: org, jobId: j.id, name: group, position: groupIds.size, createdAt: now })
              .onConflictDoNothing(),
          );
        }
        statements.push(
          db
            .insert(costItems)
            .values({
              id: ids(`${j.id.slice(0, 12)}i`, i + 1),
              orgId: org,
              jobId: j.id,
              groupId: groupIds.get(group)!,
              position: i + 1,
              name,
              description: description ?? '',
              costCode,
              costType,
              quantity: qty * 10_000,
              unit,
              unitCost,
              unitPrice: priceFromMarkup(unitCost, markup * 1000),
              taxable,
              vendorAccountId: vendor ? vendorIds[vendor] : null,
              createdAt: now,
              updatedAt: now,
            })
            .onConflictDoNothing(),
        );
      },
    );
  }
  statements.push(db.insert(counters).values({ orgId: org, name: 'job', value: 2 }).onConflictDoNothing());
  const [first, ...rest] = statements;
  await db.batch([first, ...rest]);
  return { created: true };
}

// Issue 17, part D: a second contractor whose customer is the same person as Oak & Stone's Arjun Patel
// (the same address), with one estimate already sent to him. Open Arjun's link from each company
// (/dev/mail lists the emails) and the portal shows the switcher: "Oak & Stone Builders · Bright Electric".
export const SECOND_ORG_ID = 'demoorg0brightel';
export const SECOND_EMAIL = 'demo@brightelectric.test';
const SECOND_USER_ID = 'demouserbright01';
const SECOND_JOB_ID = 'demojobbright001';

/** The second demo company and its one sent estimate. Running it again is a no-op. */
export async function seedSecondCompany(env: Env, db: Db, origin: string, now = Date.now()) {
  const existing = await db.query.orgs.findFirst({ where: (o, { eq }) => eq(o.id, SECOND_ORG_ID) });
  if (existing) return { created: false };
  const org = SECOND_ORG_ID;
  const account = 'demoacctbright01';
  const group = 'demojobbright01g';
  const items: [string, number, number][] = [
    ['Panel upgrade to 200 A', 1, 245_000],
    ['Bath circuits (2 × 20 A GFCI)', 2, 38_000],
    ['Heated floor thermostat and wiring', 1, 64_000],
  ];
  await db.batch([
    db.insert(orgs).values({
      id: org,
      name: 'Bright Electric',
      timeZone: 'America/Denver',
      currency: 'USD',
      address: '77 Copper Street\nDenver, CO 80205',
      phone: '(720) 555-0199',
      email: 'office@brightelectric.test',
      brandColor: '#8a5a00',
      defaultTaxRate: 0,
      createdAt: now,
    }),
    db.insert(users).values({
      id: SECOND_USER_ID,
      orgId: org,
      email: SECOND_EMAIL,
      name: 'Rosa Alvarez',
      role: 'owner',
      passwordHash: await hashPassword(DEMO_PASSWORD),
      createdAt: now,
    }),
    db.insert(accounts).values({
      id: account,
      orgId: org,
      kind: 'customer',
      name: 'Arjun Patel',
      email: 'arjun.patel@example.test',
      phone: '(303) 555-0119',
      address: '230 Birch Lane\nLakewood, CO 80226',
      createdAt: now,
      updatedAt: now,
    }),
    // The same person as Oak & Stone's Arjun Patel: the same address (in another case).
    db.insert(contacts).values({
      id: 'democontbright01',
      orgId: org,
      accountId: account,
      name: 'Arjun Patel',
      email: 'Arjun.Patel@example.test',
      createdAt: now,
    }),
    db.insert(jobs).values({
      id: SECOND_JOB_ID,
      orgId: org,
      number: 1,
      name: 'Bath electrical – 230 Birch Lane',
      address: '230 Birch Lane, Lakewood, CO 80226',
      customerAccountId: account,
      createdAt: now,
      updatedAt: now,
    }),
    db
      .insert(costGroups)
      .values({ id: group, orgId: org, jobId: SECOND_JOB_ID, name: 'Electrical', position: 1, createdAt: now }),
    ...items.map(([name, qty, unitCost], i) =>
      db.insert(costItems).values({
        id: ids('demojobbrighti', i + 1),
        orgId: org,
        jobId: SECOND_JOB_ID,
        groupId: group,
        position: i + 1,
        name,
        costType: 'subcontractor',
        quantity: qty * 10_000,
        unit: 'ea',
        unitCost,
        unitPrice: priceFromMarkup(unitCost, 20_000),
        taxable: false,
        createdAt: now,
        updatedAt: now,
      }),
    ),
    db.insert(counters).values({ orgId: org, name: 'job', value: 1 }),
  ]);
  const actor = { side: 'contractor' as const, userId: SECOND_USER_ID, name: 'Rosa Alvarez' };
  const draft = await createDraftFromBudget(db, actor, {
    orgId: org,
    jobId: SECOND_JOB_ID,
    kind: 'estimate',
    all: true,
    groups: [],
    items: [],
  });
  await sendDocument(env, db, actor, {
    orgId: org,
    timeZone: 'America/Denver',
    origin,
    documentId: draft.id,
    name: 'Arjun Patel',
    email: 'Arjun.Patel@example.test',
    message: '',
    // Issue 18: the one demo document that asks its signer for a code emailed to them before signing.
    emailCode: true,
  });
  return { created: true };
}

/**
 * Issue 17's demo: the Patel bath estimate, sent through the send page's own path to Arjun and Priya
 * Patel, both signers in any order, with the contractor's countersignature asked; left unsigned.
 * Run once, after the demo company is first made (needs the Worker's env: the PDF, R2, the room).
 */
export async function seedPeopleDemo(env: Env, db: Db, origin: string) {
  const actor: ContractorActor = { side: 'contractor', userId: 'demouserowner001', name: 'Sam Carter' };
  const scope = { orgId: DEMO_ORG_ID, timeZone: 'America/Denver', origin };
  const draft = await createDraftFromBudget(db, actor, {
    ...scope,
    jobId: 'demojobbath00001',
    kind: 'estimate',
    title: 'Primary bath — estimate for both of you',
    all: true,
    groups: [],
    items: [],
  });
  await sendDocument(env, db, actor, {
    ...scope,
    documentId: draft.id,
    name: 'Arjun Patel',
    email: 'arjun.patel@example.test',
    message: 'Both of you sign this one, each with your own link.',
    recipients: {
      rows: [{ row: 1, contactId: 'democontpriya001', name: '', email: '', role: 'signer' }],
      signingOrder: 'any',
      countersign: true,
    },
  });
}

/** The key of issue 20's demo estimate: made once, however often the seed runs. */
const CHOICES_KEY = 'demochoicesestimate1';

type ExtraLine = Partial<DraftLine> & Pick<DraftLine, 'kind' | 'name'>;

/** Issue 20's demo lines after the cabinets: an optional heated floor, a choice of three vanities, a tile allowance. */
const choiceLines: ExtraLine[] = [
  { kind: 'group', name: 'Heated floor', choice: 'optional' },
  {
    kind: 'item',
    name: 'Electric radiant floor mat',
    description: 'Under the new tile, 120 sq ft.',
    quantity: 120,
    unit: 'sq ft',
    unitPrice: 1_650,
    taxable: true,
  },
  { kind: 'item', name: 'Programmable floor thermostat and wiring', quantity: 1, unit: 'ea', unitPrice: 42_000 },
  { kind: 'group', name: 'Powder room vanity' },
  {
    kind: 'item',
    name: 'Oak vanity, 30 in',
    choice: 'alternate',
    choiceSet: 'Vanity',
    quantity: 1,
    unit: 'ea',
    unitPrice: 115_000,
    taxable: true,
  },
  {
    kind: 'item',
    name: 'Painted shaker vanity, 36 in',
    choice: 'alternate',
    choiceSet: 'Vanity',
    preselected: true,
    quantity: 1,
    unit: 'ea',
    unitPrice: 168_000,
    taxable: true,
  },
  {
    kind: 'item',
    name: 'Floating walnut vanity, 48 in',
    choice: 'alternate',
    choiceSet: 'Vanity',
    quantity: 1,
    unit: 'ea',
    unitPrice: 245_000,
    taxable: true,
  },
  { kind: 'item', name: 'Vanity install and plumbing hookup', quantity: 6, unit: 'hr', unitPrice: 9_500 },
  { kind: 'group', name: 'Allowances' },
  {
    kind: 'item',
    name: 'Tile',
    description: 'Backsplash and floor tile, chosen with you at the showroom.',
    allowance: true,
    quantity: 1,
    unit: 'ls',
    unitPrice: 300_000,
    taxable: true,
  },
];

/**
 * Issue 20's demo: an estimate for the Reyes kitchen sent to Dana Reyes, offering an optional heated floor,
 * a choice of three vanities (the painted one preselected) and a $3,000 tile allowance. Made once (its
 * one-time key), sent once; needs the Worker's env (the PDF, R2, the room).
 */
export async function seedChoicesDemo(env: Env, db: Db, origin: string) {
  const actor: ContractorActor = { side: 'contractor', userId: 'demouserowner001', name: 'Sam Carter' };
  const scope = { orgId: DEMO_ORG_ID, timeZone: 'America/Denver', origin };
  const made = await documentByRequestKey(db, DEMO_ORG_ID, CHOICES_KEY);
  if (made) return { created: false, id: made.id };
  const draft = await createDraftFromBudget(db, actor, {
    ...scope,
    jobId: 'demojobkitchen01',
    kind: 'estimate',
    title: 'Kitchen cabinets, vanity and floor — your options',
    all: false,
    groups: ['demojobkitchg0005'],
    items: [],
    requestKey: CHOICES_KEY,
  });
  if (!draft.created) return { created: false, id: draft.id };
  const [version] = await db
    .select({ id: documentVersions.id })
    .from(documentVersions)
    .where(and(eq(documentVersions.orgId, DEMO_ORG_ID), eq(documentVersions.documentId, draft.id)));
  const cabinets = await db.select().from(documentLines).where(eq(documentLines.versionId, version.id));
  const lines: DraftLine[] = [
    ...cabinets.sort((a, b) => a.position - b.position),
    ...choiceLines.map((l, i) => ({
      ...REQUIRED_CHOICE,
      id: createId(),
      costItemId: null,
      description: '',
      costCode: '',
      costType: null,
      unit: '',
      unitCost: 0,
      unitPrice: 0,
      taxable: false,
      ...l,
      quantity: (l.quantity ?? 0) * 10_000,
    })),
  ];
  // A draft nobody has seen yet: its lines are written once, before the send makes it anyone's.
  await db.batch([
    db.delete(documentLines).where(eq(documentLines.versionId, version.id)),
    ...lineInserts(db, DEMO_ORG_ID, draft.id, version.id, lines),
  ]);
  await sendDocument(env, db, actor, {
    ...scope,
    documentId: draft.id,
    name: 'Dana Reyes',
    email: 'dana.reyes@example.test',
    message: 'Pick your vanity and whether you want the heated floor; the total updates as you choose.',
  });
  return { created: true, id: draft.id };
}
