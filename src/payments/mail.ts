import type { BatchItem } from 'drizzle-orm/batch';
import { calendarDate, money } from '../../views/format';
import { renderMail, type MailContent } from '../../views/mail/message';
import type { Db } from '../db/client';
import { kindOf } from '../documents/kinds';
import type { Env } from '../env';
import { brandOf } from '../mail/documents';
import { queueMail } from '../mail/outbox';
import { portalLink } from '../portal/links';
import { linkStillGiven } from '../portal/queries';
import type { OnlinePayment, PaymentState } from './queries';

// The emails a Stripe event sends, queued in the event's own batch: the customer's receipt (or the
// word that a bank debit failed, or a refund's receipt) and the company's notice (a payment, a
// failure, a payment flagged for a look in Stripe).

export interface PaymentMailContext {
  db: Db;
  env: Pick<Env, 'PORTAL_TOKEN_SECRET'>;
  state: PaymentState;
  row: OnlinePayment;
  origin: string;
  /** The document's creator: the company's notices go to them (the company's address otherwise). */
  creator: { name: string; email: string } | null;
  now: number;
}

type Mails = Promise<BatchItem<'sqlite'>[]>;

/** "Invoice INV-0004": how the emails name the document. */
export function documentName(state: PaymentState) {
  const d = state.document;
  return `${kindOf(d.type, d.subtype)?.label ?? 'Document'} ${d.number}`;
}

const amountOf = (ctx: PaymentMailContext, cents = ctx.row.amount) => money(cents, ctx.state.org.currency);

/** What was paid for: "Invoice INV-0004", or "the deposit on Estimate EST-0002". */
function paidFor(ctx: PaymentMailContext) {
  return ctx.row.purpose === 'deposit' ? `the deposit on ${documentName(ctx.state)}` : documentName(ctx.state);
}

/** The customer's email, with a button to the document in the portal while their link still stands. */
async function toCustomer(ctx: PaymentMailContext, kind: string, m: Omit<MailContent, 'brand'> & { subject: string }) {
  const { state } = ctx;
  const contact = state.contact;
  if (!contact?.email) return [];
  const given = await linkStillGiven(ctx.db, state.document, contact);
  const button = given
    ? {
        label: `Open ${documentName(state)}`,
        href: await portalLink(ctx.env, ctx.origin, contact, state.document.id, state.org.portalLinkDays),
      }
    : undefined;
  const { subject, ...content } = m;
  return [
    queueMail(
      ctx.db,
      {
        orgId: state.org.id,
        documentId: state.document.id,
        kind,
        to: { email: contact.email, name: contact.name },
        fromName: state.org.name,
        replyTo: state.org.email || null,
        subject,
        ...renderMail({ brand: brandOf(state.org), ...content, button }),
      },
      ctx.now,
    ),
  ];
}

/** The company's notice, to the document's creator (or the company's address), with a button to the document. */
function toCompany(
  ctx: PaymentMailContext,
  kind: string,
  m: { subject: string; heading: string; paragraphs: string[] },
) {
  const { state } = ctx;
  const to = ctx.creator?.email
    ? ctx.creator
    : state.org.email
      ? { name: state.org.name, email: state.org.email }
      : null;
  if (!to) return [];
  return [
    queueMail(
      ctx.db,
      {
        orgId: state.org.id,
        documentId: state.document.id,
        kind,
        to,
        fromName: 'Contractor Portal',
        subject: m.subject,
        ...renderMail({
          brand: brandOf(state.org),
          heading: m.heading,
          paragraphs: m.paragraphs,
          button: { label: 'Open the document', href: `${ctx.origin}/documents/${state.document.id}` },
        }),
      },
      ctx.now,
    ),
  ];
}

const firstName = (name: string) => name.split(/\s+/)[0] || name;
const customerName = (ctx: PaymentMailContext) => ctx.state.contact?.name ?? 'Your customer';

/** Money succeeded: the receipt to the customer, the notice to the company. */
export async function receivedMails(
  ctx: PaymentMailContext,
  p: { method: string; paidOn: string; balance: number },
): Mails {
  const { state } = ctx;
  const amount = amountOf(ctx);
  const name = documentName(state);
  const facts = [
    { label: 'Amount', value: amount },
    { label: 'Method', value: p.method },
    { label: 'Date', value: calendarDate(p.paidOn) },
    { label: ctx.row.purpose === 'deposit' ? 'Deposit left' : 'Balance left', value: amountOf(ctx, p.balance) },
  ];
  const receipt = await toCustomer(ctx, 'payment_receipt', {
    subject: `Payment received — ${amount} for ${name} from ${state.org.name}`,
    preheader: `${state.org.name} received your payment of ${amount}.`,
    heading: `Hi ${firstName(state.contact?.name ?? '')},`,
    paragraphs: [`${state.org.name} received your payment of ${amount} for ${paidFor(ctx)}. Thank you.`],
    facts,
  });
  const who = customerName(ctx);
  const notice = toCompany(ctx, 'payment_notice', {
    subject: `${who} paid ${amount} on ${state.document.number}`,
    heading: `${who} paid ${amount}`,
    paragraphs: [
      `${who} paid ${amount} for ${paidFor(ctx)} by ${p.method.toLowerCase()}.`,
      `${ctx.row.purpose === 'deposit' ? 'Deposit' : 'Balance'} left: ${amountOf(ctx, p.balance)}.`,
    ],
  });
  return [...receipt, ...notice];
}

/** A bank debit failed: the customer may pay again; the company hears of it. */
export async function failedMails(ctx: PaymentMailContext): Mails {
  const { state } = ctx;
  const amount = amountOf(ctx);
  const name = documentName(state);
  const message = await toCustomer(ctx, 'payment_failed', {
    subject: `Your bank payment for ${name} didn't go through`,
    heading: `Hi ${firstName(state.contact?.name ?? '')},`,
    paragraphs: [
      `Your bank payment of ${amount} for ${paidFor(ctx)} didn't go through — nothing was taken.`,
      'You can pay again from the link below.',
    ],
  });
  const notice = toCompany(ctx, 'payment_failed_notice', {
    subject: `A bank payment of ${amount} failed on ${state.document.number}`,
    heading: `A bank payment of ${amount} failed`,
    paragraphs: [
      `The bank debit of ${amount} from ${customerName(ctx)} for ${paidFor(ctx)} failed. Nothing was counted.`,
    ],
  });
  return [...message, ...notice];
}

/** A refund made in Stripe: the customer's receipt of it. */
export async function refundMail(ctx: PaymentMailContext, cents: number): Mails {
  const { state } = ctx;
  const amount = amountOf(ctx, cents);
  return toCustomer(ctx, 'payment_refund', {
    subject: `Refund of ${amount} for ${documentName(state)} from ${state.org.name}`,
    heading: `Hi ${firstName(state.contact?.name ?? '')},`,
    paragraphs: [
      `${state.org.name} refunded ${amount} of your payment for ${paidFor(ctx)}.`,
      'It usually reaches your card or bank account within 5 to 10 business days.',
    ],
    facts: [
      { label: 'Refunded', value: amount },
      { label: 'Of your payment of', value: amountOf(ctx) },
    ],
  });
}

/** A payment that was not counted as is: the company checks it in Stripe. */
export async function flagMail(ctx: PaymentMailContext, message: string): Mails {
  const number = ctx.state.document.number;
  return toCompany(ctx, 'payment_flagged', {
    subject: `Check a payment on ${number} in Stripe`,
    heading: `A payment on ${number} needs a look`,
    paragraphs: [message],
  });
}
