// Small rules the rest stands on: the document status machine, formatting, ids, append-only activity,
// batched queries and the smoke check.
// One file per area (each describe was a file of its own): every test file loads the app into a fresh
// workerd, seconds apiece, so an area's tests share one load. Each describe keeps its own fixtures.
import { isCuid } from '@paralleldrive/cuid2';
import { env } from 'cloudflare:workers';
import { and, asc, eq, sql } from 'drizzle-orm';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CURRENCIES } from '../src/auth/forms';
import { batchPrepared, type Db, distinct, prepared, prepareEach } from '../src/db/client';
import { createId } from '../src/db/ids';
import { accounts, costItems, type DocumentType, documentTypes, jobs, orgs } from '../src/db/schema';
import {
  awaitsRecipient,
  canTransition,
  type DocEvent,
  IllegalTransition,
  initialStatus,
  nextStatus,
  STATUS_LABELS,
  statusesOf,
} from '../src/documents/status';
import { dateTime, money, quantity } from '../views/format';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { Browser, db } from './helpers';

describe('the document status machine', () => {
  const EVENTS: DocEvent[] = [
    'send',
    'view',
    'approve',
    'decline',
    'accept',
    'submit_bid',
    'accept_bid',
    'reject_bid',
    'pay_partial',
    'pay_full',
    'void',
    'approve_bill',
  ];

  /** Runs events from the initial status; returns every status passed through. */
  function walk(type: DocumentType, events: DocEvent[]): string[] {
    const seen = [initialStatus(type)];
    for (const e of events) seen.push(nextStatus(type, seen.at(-1)!, e));
    return seen;
  }

  function refusal(type: DocumentType, status: string, event: DocEvent): string {
    try {
      nextStatus(type, status, event);
    } catch (err) {
      expect(err).toBeInstanceOf(IllegalTransition);
      return (err as Error).message;
    }
    throw new Error(`${type}: ${status} --${event}--> was allowed`);
  }

  describe('document status machine', () => {
    it('starts drafts as draft and bills as received', () => {
      expect(documentTypes.map((t) => [t, initialStatus(t)])).toEqual([
        ['bid_request', 'draft'],
        ['customer_order', 'draft'],
        ['customer_invoice', 'draft'],
        ['vendor_order', 'draft'],
        ['bill', 'received'],
      ]);
    });

    it('runs the happy path of each type', () => {
      expect(walk('customer_order', ['send', 'view', 'approve'])).toEqual(['draft', 'sent', 'viewed', 'approved']);
      expect(walk('customer_order', ['send', 'decline', 'send', 'approve'])).toEqual([
        'draft',
        'sent',
        'declined',
        'sent',
        'approved',
      ]);
      expect(walk('vendor_order', ['send', 'accept'])).toEqual(['draft', 'sent', 'accepted']);
      expect(walk('vendor_order', ['send', 'view', 'decline'])).toEqual(['draft', 'sent', 'viewed', 'declined']);
      expect(walk('bid_request', ['send', 'view', 'submit_bid', 'submit_bid', 'accept_bid'])).toEqual([
        'draft',
        'sent',
        'viewed',
        'submitted',
        'submitted',
        'accepted',
      ]);
      expect(walk('bid_request', ['send', 'submit_bid', 'reject_bid'])).toEqual([
        'draft',
        'sent',
        'submitted',
        'rejected',
      ]);
      expect(walk('customer_invoice', ['send', 'view', 'pay_partial', 'pay_partial', 'pay_full'])).toEqual([
        'draft',
        'sent',
        'viewed',
        'partially_paid',
        'partially_paid',
        'paid',
      ]);
      expect(walk('customer_invoice', ['send', 'pay_full'])).toEqual(['draft', 'sent', 'paid']);
      expect(walk('customer_invoice', ['void'])).toEqual(['draft', 'void']);
      expect(walk('customer_invoice', ['send', 'view', 'void'])).toEqual(['draft', 'sent', 'viewed', 'void']);
      expect(walk('bill', ['approve_bill', 'pay_partial', 'pay_full'])).toEqual([
        'received',
        'approved',
        'partially_paid',
        'paid',
      ]);
      expect(walk('bill', ['void'])).toEqual(['received', 'void']);
    });

    it('refuses illegal transitions with a message that names the action and the status', () => {
      expect(refusal('customer_order', 'draft', 'void')).toBe('You cannot void a document that is draft.');
      expect(refusal('customer_order', 'approved', 'decline')).toBe('You cannot decline a document that is approved.');
      expect(refusal('customer_order', 'approved', 'send')).toBe('You cannot send a document that is approved.');
      expect(refusal('customer_order', 'draft', 'approve')).toBe('You cannot approve a document that is draft.');
      expect(refusal('vendor_order', 'accepted', 'decline')).toBe('You cannot decline a document that is accepted.');
      expect(refusal('vendor_order', 'sent', 'approve')).toBe('You cannot approve a document that is sent.');
      expect(refusal('bid_request', 'draft', 'submit_bid')).toBe(
        'You cannot submit a bid on a document that is draft.',
      );
      expect(refusal('bid_request', 'sent', 'accept_bid')).toBe(
        'You cannot accept the bid on a document that is sent.',
      );
      expect(refusal('bid_request', 'rejected', 'submit_bid')).toBe(
        'You cannot submit a bid on a document that is not accepted.',
      );
      expect(refusal('customer_invoice', 'draft', 'pay_partial')).toBe(
        'You cannot record a payment on a document that is draft.',
      );
      expect(refusal('customer_invoice', 'paid', 'pay_partial')).toBe(
        'You cannot record a payment on a document that is paid.',
      );
      expect(refusal('customer_invoice', 'partially_paid', 'void')).toBe(
        'You cannot void a document that is partially paid.',
      );
      expect(refusal('customer_invoice', 'void', 'send')).toBe('You cannot send a document that is void.');
      expect(refusal('bill', 'received', 'pay_full')).toBe(
        'You cannot record a payment on a document that is received.',
      );
      expect(refusal('bill', 'approved', 'approve_bill')).toBe('You cannot approve a document that is approved.');
      expect(refusal('bill', 'paid', 'void')).toBe('You cannot void a document that is paid.');
      // A status the type does not have (or a made-up one) is refused too, never crashes.
      expect(refusal('bill', 'draft', 'send')).toBe('You cannot send a document that is draft.');
      expect(refusal('customer_order', 'nonsense', 'send')).toBe('You cannot send a document that is nonsense.');
    });

    it('keeps canTransition and nextStatus in agreement, and every target is a status of the type', () => {
      for (const type of documentTypes) {
        const statuses = statusesOf(type);
        for (const status of [...statuses, 'nonsense']) {
          for (const event of EVENTS) {
            const allowed = canTransition(type, status, event);
            if (allowed) expect(statuses).toContain(nextStatus(type, status, event));
            else expect(() => nextStatus(type, status, event)).toThrow(IllegalTransition);
          }
        }
      }
    });

    it('labels every status and reaches every status from the initial one', () => {
      for (const type of documentTypes) {
        const statuses = statusesOf(type);
        expect(statuses).toContain(initialStatus(type));
        for (const s of statuses) expect(STATUS_LABELS[s], s).toBeTruthy();
        const reached = new Set([initialStatus(type)]);
        for (let grew = true; grew; ) {
          grew = false;
          for (const s of [...reached])
            for (const e of EVENTS)
              if (canTransition(type, s, e) && !reached.has(nextStatus(type, s, e))) {
                reached.add(nextStatus(type, s, e));
                grew = true;
              }
        }
        expect([...reached].sort(), type).toEqual([...statuses].sort());
      }
    });

    it('keeps final statuses final', () => {
      const finals: [DocumentType, string][] = [
        ['customer_order', 'approved'],
        ['vendor_order', 'accepted'],
        ['bid_request', 'accepted'],
        ['bid_request', 'rejected'],
        ['customer_invoice', 'paid'],
        ['customer_invoice', 'void'],
        ['bill', 'paid'],
        ['bill', 'void'],
      ];
      for (const [type, status] of finals) {
        for (const e of EVENTS)
          if (canTransition(type, status, e))
            expect(nextStatus(type, status, e), `${type} ${status} ${e}`).toBe(status);
      }
    });

    it('tells when the recipient still has something to do', () => {
      expect(awaitsRecipient('customer_order', 'draft')).toBe(false);
      expect(awaitsRecipient('customer_order', 'sent')).toBe(true);
      expect(awaitsRecipient('customer_order', 'viewed')).toBe(true);
      expect(awaitsRecipient('customer_order', 'approved')).toBe(false);
      expect(awaitsRecipient('customer_order', 'declined')).toBe(false);
      expect(awaitsRecipient('vendor_order', 'sent')).toBe(true);
      expect(awaitsRecipient('vendor_order', 'accepted')).toBe(false);
      expect(awaitsRecipient('bid_request', 'viewed')).toBe(true);
      expect(awaitsRecipient('bid_request', 'submitted')).toBe(true); // a bid can be resubmitted
      expect(awaitsRecipient('bid_request', 'accepted')).toBe(false);
      expect(awaitsRecipient('customer_invoice', 'sent')).toBe(true);
      expect(awaitsRecipient('customer_invoice', 'partially_paid')).toBe(true);
      expect(awaitsRecipient('customer_invoice', 'draft')).toBe(false);
      expect(awaitsRecipient('customer_invoice', 'paid')).toBe(false);
      expect(awaitsRecipient('customer_invoice', 'void')).toBe(false);
      // Paying a bill is the contractor's job, not the vendor's.
      expect(awaitsRecipient('bill', 'approved')).toBe(false);
      expect(awaitsRecipient('bill', 'received')).toBe(false);
    });

    it('never leaves its statuses and never moves a refused document, whatever events arrive', () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...documentTypes),
          fc.array(fc.constantFrom(...EVENTS), { maxLength: 40 }),
          (type, events) => {
            const statuses = statusesOf(type);
            let status = initialStatus(type);
            let money = false; // a payment was recorded
            for (const e of events) {
              const before = status;
              try {
                status = nextStatus(type, status, e);
              } catch (err) {
                expect(err).toBeInstanceOf(IllegalTransition);
                expect(status).toBe(before);
                continue;
              }
              expect(statuses).toContain(status);
              if (e === 'pay_partial' || e === 'pay_full') money = true;
              // Once money was recorded the document can no longer be voided or go back to unpaid.
              if (money) expect(['partially_paid', 'paid']).toContain(status);
              if (before === 'void' || before === 'paid') expect(status).toBe(before);
            }
          },
        ),
        { numRuns: 2000 },
      );
    });
  });
});

describe('formatting', () => {
  // money() and dateTime() avoid Intl on the hot path; what they print must still be exactly Intl's.
  describe('formatting matches Intl', () => {
    it('money() writes what Intl.NumberFormat writes, in every currency we offer', () => {
      const edges = [0, 1, 5, 99, 100, 101, 12_345, 99_999, 100_000, 123_456_789, 999_999_999_99, 9_999_999_999_999];
      for (const currency of CURRENCIES) {
        const intl = new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: 2 });
        for (const cents of [...edges, ...edges.map((n) => -n).filter((n) => n !== 0)])
          expect(money(cents, currency)).toBe(intl.format(cents / 100));
        fc.assert(
          fc.property(
            fc.integer({ min: -1e13, max: 1e13 }),
            (cents) => money(cents, currency) === intl.format(cents / 100),
          ),
        );
      }
    });

    it('quantity() writes what Intl.NumberFormat writes for a quantity of up to four decimals', () => {
      const intl = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });
      const edges = [0, 1, 9_999, 10_000, 15_000, 99_990_000, 1_000_0000, 12_345_678_9012, 10_000_000_000];
      for (const q of [...edges, ...edges.map((n) => -n).filter((n) => n !== 0)])
        expect(quantity(q)).toBe(intl.format(q / 10_000));
      fc.assert(fc.property(fc.integer({ min: -1e14, max: 1e14 }), (q) => quantity(q) === intl.format(q / 10_000)));
    });

    it('dateTime() writes what Intl.DateTimeFormat writes, across zones and daylight-saving changes', () => {
      const zones = [
        'America/New_York',
        'America/Chicago',
        'America/Los_Angeles',
        'Europe/London',
        'Australia/Adelaide',
        'Asia/Kathmandu',
        'UTC',
      ];
      for (const timeZone of zones) {
        const intl = new Intl.DateTimeFormat('en-US', {
          timeZone,
          year: 'numeric',
          month: 'short',
          day: 'numeric',
          hour: 'numeric',
          minute: '2-digit',
          timeZoneName: 'short',
        });
        // Every quarter hour around the 2026 changes in both hemispheres, then random instants.
        for (const start of [
          Date.UTC(2026, 2, 7),
          Date.UTC(2026, 2, 28),
          Date.UTC(2026, 3, 4),
          Date.UTC(2026, 9, 3),
          Date.UTC(2026, 9, 24),
          Date.UTC(2026, 10, 1),
        ]) {
          for (let ms = start; ms < start + 2 * 86_400_000; ms += 15 * 60_000 + 17_000) {
            expect(dateTime(ms, timeZone)).toBe(intl.format(ms));
            expect(dateTime(ms, timeZone)).toBe(intl.format(ms));
          }
        }
        fc.assert(
          fc.property(
            fc.integer({ min: 0, max: 4_102_444_800_000 }),
            (ms) => dateTime(ms, timeZone) === intl.format(ms),
          ),
        );
      }
    });
  });
});

describe('ids', () => {
  describe('createId', () => {
    it('makes cuid2 ids: 24 characters, a letter first, all distinct', () => {
      const ids = Array.from({ length: 20_000 }, () => createId());
      for (const id of ids.slice(0, 500)) {
        expect(id).toMatch(/^[a-z][a-z0-9]{23}$/);
        expect(isCuid(id)).toBe(true);
      }
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('draws its randomness from crypto.getRandomValues', () => {
      const spy = vi.spyOn(crypto, 'getRandomValues');
      try {
        for (let i = 0; i < 50; i++) createId();
        expect(spy).toHaveBeenCalled();
      } finally {
        spy.mockRestore();
      }
    });
  });
});

describe('activity', () => {
  describe('activity is append-only', () => {
    it('refuses to update or delete a row at the database level', async () => {
      await env.DB.prepare(
        "INSERT INTO activity (id, org_id, action, side, actor_name, created_at) VALUES ('actappendonly01', 'o', 'created', 'system', 'x', 1)",
      ).run();
      await expect(
        env.DB.prepare("UPDATE activity SET action = 'edited' WHERE id = 'actappendonly01'").run(),
      ).rejects.toThrow(/append-only/);
      await expect(env.DB.prepare("DELETE FROM activity WHERE id = 'actappendonly01'").run()).rejects.toThrow(
        /append-only/,
      );
      const row = await env.DB.prepare("SELECT action FROM activity WHERE id = 'actappendonly01'").first<{
        action: string;
      }>();
      expect(row?.action).toBe('created');
    });
  });
});

describe('batched queries', () => {
  // batchPrepared() maps flat selections itself and leaves nested ones to drizzle: whatever it maps,
  // the rows must be exactly what drizzle's own db.batch() gives for the same queries.
  const orgId = sql.placeholder('orgId');
  const jobId = sql.placeholder('jobId');

  function statements(d: Db, org: typeof orgId | string, job: typeof jobId | string) {
    return [
      // Flat: text, integer, boolean and enum columns, a nullable column, an aliased SQL value from a left join.
      d
        .select({
          id: costItems.id,
          name: costItems.name,
          quantity: costItems.quantity,
          taxable: costItems.taxable,
          costType: costItems.costType,
          vendorAccountId: costItems.vendorAccountId,
          vendorName: sql<string | null>`${accounts.name}`.as('vendor_name'),
        })
        .from(costItems)
        .leftJoin(accounts, and(eq(accounts.id, costItems.vendorAccountId), eq(accounts.orgId, org)))
        .where(and(eq(costItems.orgId, org), eq(costItems.jobId, job)))
        .orderBy(asc(costItems.position)),
      // A whole table (every column, timestamps and all).
      d
        .select()
        .from(jobs)
        .where(and(eq(jobs.orgId, org), eq(jobs.id, job))),
      // Nested with a left join that has no row: drizzle turns the joined object to null (plain
      // columns only, so no distinct(): the column names here do not collide).
      d
        .select({ job: { id: jobs.id }, customer: { name: accounts.name, kind: accounts.kind } })
        .from(jobs)
        .leftJoin(accounts, and(eq(accounts.id, sql`'no such account'`), eq(accounts.orgId, org)))
        .where(and(eq(jobs.orgId, org), eq(jobs.id, job))),
      // Nested with the joined row present.
      d
        .select(
          distinct({ job: { id: jobs.id }, org: { id: orgs.id, name: orgs.name, maxUploadMb: orgs.maxUploadMb } }),
        )
        .from(jobs)
        .innerJoin(orgs, eq(orgs.id, jobs.orgId))
        .where(and(eq(jobs.orgId, org), eq(jobs.id, job))),
    ] as const;
  }

  const compare = (d: Db) => prepareEach(statements(d, orgId, jobId));

  describe('batchPrepared', () => {
    let co: Awaited<ReturnType<typeof companyWithBudget>>;
    beforeAll(async () => {
      co = await companyWithBudget();
    });

    it("maps every kind of selection exactly as drizzle's db.batch() does", async () => {
      const d = db();
      const ours = await batchPrepared(d, prepared(d, compare), { orgId: co.orgId, jobId: co.jobId });
      const theirs = await d.batch(statements(d, co.orgId, co.jobId));
      expect(ours).toEqual(theirs);
      // The fixture covers what the comparison is about.
      const [items, job, withoutCustomer, withOrg] = ours;
      expect(items).toHaveLength(4);
      expect(items.map((i) => typeof i.taxable)).toEqual(['boolean', 'boolean', 'boolean', 'boolean']);
      expect(items.some((i) => i.vendorName === null) && items.some((i) => i.vendorName === 'Summit Electric')).toBe(
        true,
      );
      expect(job[0].id).toBe(co.jobId);
      expect(withoutCustomer[0].customer).toBeNull();
      expect(withOrg[0].org.name).toBe('Oak & Stone Builders');
    });

    it('runs a prepared query again with other values, and reads nothing for values that match nothing', async () => {
      const d = db();
      const other = await companyWithBudget({ company: 'Second Co' });
      const [mine] = await batchPrepared(d, prepared(d, compare), { orgId: co.orgId, jobId: co.jobId });
      const [theirs] = await batchPrepared(d, prepared(d, compare), { orgId: other.orgId, jobId: other.jobId });
      expect(new Set(mine.map((i) => i.id))).toEqual(new Set(co.items.map((i) => i.id)));
      expect(new Set(theirs.map((i) => i.id))).toEqual(new Set(other.items.map((i) => i.id)));
      const crossed = await batchPrepared(d, prepared(d, compare), { orgId: co.orgId, jobId: other.jobId });
      expect(crossed.map((rows) => rows.length)).toEqual([0, 0, 0, 0]);
    });
  });
});

describe('smoke', () => {
  describe('smoke', () => {
    it('creates, edits, sends and opens in the portal', async () => {
      const co = await companyWithBudget();
      const id = await createDocument(co.browser, co.jobId, 'estimate', {
        group: co.groups.demolition,
        item: co.items[2].id,
      });
      const page = await co.browser.get(`/documents/${id}`);
      const body = await page.text();
      expect(page.status, body.slice(0, 3000)).toBe(200);
      expect(body).toContain('EST-0001');
      const pdf = await co.browser.get(`/documents/${id}.pdf`);
      expect(pdf.status, (await pdf.clone().text()).slice(0, 500)).toBe(200);
      const { link } = await sendDocument(co.browser, id);
      const recipient = new Browser();
      const open = await recipient.get(link);
      expect(open.status).toBe(303);
      const doc = await recipient.get(open.headers.get('Location')!);
      const html = await doc.text();
      expect(doc.status, html.slice(0, 2000)).toBe(200);
      expect(html).toContain('EST-0001');
      const home = await recipient.get('/portal');
      expect(home.status).toBe(200);
      const job = await co.browser.get(`/jobs/${co.jobId}`);
      expect(await job.text()).toContain('EST-0001');
    });
  });
});
