import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

// Money is integer cents; quantities are integer ten-thousandths; rates are thousandths of a percent
// (8.875% = 8875). Times are UTC epoch milliseconds; calendar dates are ISO 'YYYY-MM-DD' text.

const id = () => text('id').primaryKey();
const orgId = () => text('org_id').notNull();
const createdAt = () => integer('created_at').notNull();

export const stripeStatuses = ['none', 'pending', 'active', 'disabled'] as const;
export type StripeStatus = (typeof stripeStatuses)[number];

export const orgs = sqliteTable(
  'orgs',
  {
    id: id(),
    name: text('name').notNull(),
    timeZone: text('time_zone').notNull(),
    currency: text('currency').notNull(),
    address: text('address').notNull().default(''),
    phone: text('phone').notNull().default(''),
    email: text('email').notNull().default(''),
    brandColor: text('brand_color').notNull().default('#1f5f8b'),
    logoKey: text('logo_key'),
    logoContentType: text('logo_content_type'),
    defaultTaxRate: integer('default_tax_rate').notNull().default(0),
    /**
     * Retired by org_terms (migration 0005), which copied it; read by nothing. Kept one release so a Worker
     * deployed before 0005 keeps working while the migration is applied; a later migration drops it.
     */
    defaultTerms: text('default_terms').notNull().default(''),
    defaultFooter: text('default_footer').notNull().default(''),
    paymentInstructions: text('payment_instructions').notNull().default(''),
    portalLinkDays: integer('portal_link_days').notNull().default(90),
    maxUploadMb: integer('max_upload_mb').notNull().default(25),
    /** Bumped by a trigger on every change that a portal page shows (migration 0017, portal/page-cache.ts). */
    pageRev: integer('page_rev').notNull().default(0),
    // Online payments (Stripe Connect, issue 15): the company's own connected account, never its keys.
    stripeAccountId: text('stripe_account_id'),
    /** 'none' (not connected), 'pending' (verification), 'active' (can take payments), 'disabled'. */
    stripeStatus: text('stripe_status', { enum: stripeStatuses }).notNull().default('none'),
    stripeCard: integer('stripe_card', { mode: 'boolean' }).notNull().default(false),
    stripeBank: integer('stripe_bank', { mode: 'boolean' }).notNull().default(false),
    /** What a new invoice's or deposit request's "Accept online payment" starts as. */
    onlinePaymentDefault: integer('online_payment_default', { mode: 'boolean' }).notNull().default(true),
    /** Whether a customer may pay less than the balance ("Pay another amount"), and at least how much (cents). */
    payOtherAmount: integer('pay_other_amount', { mode: 'boolean' }).notNull().default(false),
    payMinimum: integer('pay_minimum').notNull().default(0),
    // Reminders (issue 16): what a document sent from now on chases, in days; 0 leaves that reminder out.
    /** "Remind automatically": off, a document is sent with no reminders unless its send page asks for them. */
    remindersOn: integer('reminders_on', { mode: 'boolean' }).notNull().default(true),
    remindUnopenedDays: integer('remind_unopened_days').notNull().default(3),
    remindUndecidedDays: integer('remind_undecided_days').notNull().default(7),
    remindBeforeDays: integer('remind_before_days').notNull().default(3),
    remindOverdueEvery: integer('remind_overdue_every').notNull().default(7),
    remindOverdueMax: integer('remind_overdue_max').notNull().default(3),
    /** Issue 17: whether a new customer order waits for the contractor's countersignature before it is sealed. */
    countersignDefault: integer('countersign_default', { mode: 'boolean' }).notNull().default(false),
    /** Issue 18: whether a new document asks each signer for a 6-digit code emailed to them before signing. */
    emailCodeDefault: integer('email_code_default', { mode: 'boolean' }).notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('orgs_stripe_account').on(t.stripeAccountId),
    // Issue 19: the digest's time zones, read a zone at a time (digest/queries.ts companyZones), not org by org.
    index('orgs_time_zone').on(t.timeZone),
  ],
);

export const users = sqliteTable(
  'users',
  {
    id: id(),
    orgId: orgId(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    // "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>"; null until an invited user sets one.
    passwordHash: text('password_hash'),
    role: text('role', { enum: ['owner', 'member'] }).notNull(),
    /** The daily digest at 7:00 in the company's time zone (issue 16); each user can turn theirs off. */
    dailyDigest: integer('daily_digest', { mode: 'boolean' }).notNull().default(true),
    /** The company-local day (YYYY-MM-DD) of the last digest considered for this user: one per day. */
    digestOn: text('digest_on'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('users_email').on(t.email),
    index('users_org').on(t.orgId),
    // Issue 19: the cron's "who is due a digest" reads the users with it on, not every user.
    index('users_digest').on(t.dailyDigest, t.digestOn),
  ],
);

export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(), // SHA-256 of the cookie token, never the token itself
    userId: text('user_id').notNull(),
    orgId: orgId(),
    expiresAt: integer('expires_at').notNull(),
    createdAt: createdAt(),
    // Written at most once an hour per session (with the sliding expiry): what the sessions page shows.
    lastSeenAt: integer('last_seen_at'),
    userAgent: text('user_agent').notNull().default(''),
  },
  (t) => [index('sessions_user').on(t.userId)],
);

export const accountTokenKinds = ['sign_up', 'password_reset', 'email_change'] as const;
export type AccountTokenKind = (typeof accountTokenKinds)[number];

// The links emailed to prove an address: a sign-up's, a password reset's, an email change's. Used once.
export const accountTokens = sqliteTable(
  'account_tokens',
  {
    id: text('id').primaryKey(), // SHA-256 of the emailed token, never the token itself
    kind: text('kind', { enum: accountTokenKinds }).notNull(),
    userId: text('user_id'), // null for a sign-up: its user is made when the link is used
    email: text('email').notNull(), // the address the link was sent to
    data: text('data'), // a sign-up's company and owner (the password only as its hash), as JSON
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
    createdAt: createdAt(),
  },
  (t) => [index('account_tokens_user').on(t.userId, t.kind), index('account_tokens_email').on(t.email, t.kind)],
);

export const invites = sqliteTable(
  'invites',
  {
    id: id(),
    orgId: orgId(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    invitedBy: text('invited_by').notNull(),
    expiresAt: integer('expires_at').notNull(),
    acceptedAt: integer('accepted_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('invites_token').on(t.tokenHash), index('invites_org').on(t.orgId)],
);

export const rateLimits = sqliteTable('rate_limits', {
  key: text('key').primaryKey(),
  windowStart: integer('window_start').notNull(),
  count: integer('count').notNull(),
});

// The terms a new draft of each kind starts with, by kind key ("estimate", "customer_invoice" ...).
// A kind without a row starts with its kind's default (documents/kinds.ts `defaultTerms`).
export const orgTerms = sqliteTable(
  'org_terms',
  {
    orgId: orgId(),
    kind: text('kind').notNull(),
    terms: text('terms').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.kind] })],
);

/**
 * Issue 20: a company's named starting points per kind ("estimate", "purchase_order" ...): the texts,
 * what the recipient is shown, the deposit rule, whether a signature is required and the reminder plan.
 * At most one default per kind (the partial unique index); a new draft starts from it, or from the one
 * chosen, or from the kind's built-in defaults when the company has none.
 */
export const documentTemplates = sqliteTable(
  'document_templates',
  {
    id: id(),
    orgId: orgId(),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    terms: text('terms').notNull().default(''),
    footer: text('footer').notNull().default(''),
    display: text('display').notNull().default('{}'),
    depositKind: text('deposit_kind', { enum: ['none', 'percent', 'fixed'] })
      .notNull()
      .default('none'),
    depositValue: integer('deposit_value').notNull().default(0),
    requireSignature: integer('require_signature', { mode: 'boolean' }).notNull().default(true),
    /** JSON `ReminderPlan` (reminders/plan), or null for the company's reminder settings. */
    reminderPlan: text('reminder_plan'),
    isDefault: integer('is_default', { mode: 'boolean' }).notNull().default(false),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('document_templates_org_kind_name').on(t.orgId, t.kind, t.name),
    uniqueIndex('document_templates_default').on(t.orgId, t.kind).where(sql`is_default = 1`),
  ],
);

// Per-org sequences: job numbers and document numbers per type.
export const counters = sqliteTable(
  'counters',
  {
    orgId: orgId(),
    name: text('name').notNull(),
    value: integer('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.name] })],
);

export const accounts = sqliteTable(
  'accounts',
  {
    id: id(),
    orgId: orgId(),
    kind: text('kind', { enum: ['customer', 'vendor'] }).notNull(),
    name: text('name').notNull(),
    email: text('email').notNull().default(''),
    phone: text('phone').notNull().default(''),
    address: text('address').notNull().default(''),
    notes: text('notes').notNull().default(''),
    /**
     * Issue 17: "Each person sees only what was sent to them". Off (a household): every contact of the
     * account sees every document sent to any of them. On (a vendor company with several staff): a contact
     * sees only documents that name them among their recipients (`document_recipients`).
     */
    seesOwnOnly: integer('sees_own_only', { mode: 'boolean' }).notNull().default(false),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
    /** Bumped by a trigger on every change that a portal page shows (migration 0017, portal/page-cache.ts). */
    pageRev: integer('page_rev').notNull().default(0),
  },
  (t) => [index('accounts_org_kind').on(t.orgId, t.kind, t.name)],
);

export const contacts = sqliteTable(
  'contacts',
  {
    id: id(),
    orgId: orgId(),
    accountId: text('account_id').notNull(),
    name: text('name').notNull(),
    email: text('email').notNull(),
    phone: text('phone').notNull().default(''),
    // Bumped to revoke portal access: every link and session carrying an older value dies.
    accessVersion: integer('access_version').notNull().default(1),
    esignConsentAt: integer('esign_consent_at'),
    /**
     * Issue 18: the consent disclosure's version (CONSENT_VERSION) and the SHA-256 of the text they accepted.
     * A consent to an older version (or one before versions were kept: null) is asked for again.
     */
    esignConsentVersion: text('esign_consent_version'),
    esignConsentSha256: text('esign_consent_sha256'),
    createdAt: createdAt(),
  },
  (t) => [index('contacts_account').on(t.orgId, t.accountId)],
);

export const jobs = sqliteTable(
  'jobs',
  {
    id: id(),
    orgId: orgId(),
    number: integer('number').notNull(),
    name: text('name').notNull(),
    address: text('address').notNull().default(''),
    customerAccountId: text('customer_account_id'),
    status: text('status', { enum: ['open', 'closed'] })
      .notNull()
      .default('open'),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
    closedAt: integer('closed_at'),
    /** Bumped by a trigger on every change that a portal page shows (migration 0017, portal/page-cache.ts). */
    pageRev: integer('page_rev').notNull().default(0),
  },
  (t) => [uniqueIndex('jobs_org_number').on(t.orgId, t.number), index('jobs_org_status').on(t.orgId, t.status)],
);

/**
 * Issue 19: the stamp of a job's contractor pages, the job page and its documents' pages (budget/pages.ts,
 * documents/pages.ts hold them per isolate while unchanged). Triggers bump `rev` on every write to a row they
 * show besides the job's own (its budget, its documents and their lines, its activity, an account's name it
 * shows: migration 0018; its documents' reminders, contacts and creators: 0019). A job with no row yet reads
 * 0. No org column: the stamp is only ever read through its job's row, which is org-scoped.
 */
export const jobPageStamps = sqliteTable('job_page_stamps', {
  jobId: text('job_id').primaryKey(),
  rev: integer('rev').notNull(),
});

export const costGroups = sqliteTable(
  'cost_groups',
  {
    id: id(),
    orgId: orgId(),
    jobId: text('job_id').notNull(),
    name: text('name').notNull(),
    position: integer('position').notNull(),
    sourceDocumentId: text('source_document_id'), // set for groups added by an approved change order
    createdAt: createdAt(),
  },
  (t) => [index('cost_groups_job').on(t.orgId, t.jobId, t.position)],
);

export const costTypes = ['labor', 'materials', 'subcontractor', 'equipment', 'other'] as const;
export type CostType = (typeof costTypes)[number];

export const costItems = sqliteTable(
  'cost_items',
  {
    id: id(),
    orgId: orgId(),
    jobId: text('job_id').notNull(),
    groupId: text('group_id').notNull(),
    position: integer('position').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    costCode: text('cost_code').notNull().default(''),
    costType: text('cost_type', { enum: costTypes }).notNull(),
    quantity: integer('quantity').notNull(),
    unit: text('unit').notNull().default(''),
    unitCost: integer('unit_cost').notNull(),
    unitPrice: integer('unit_price').notNull(),
    taxable: integer('taxable', { mode: 'boolean' }).notNull().default(false),
    vendorAccountId: text('vendor_account_id'),
    acceptedBidId: text('accepted_bid_id'),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('cost_items_job').on(t.orgId, t.jobId, t.groupId, t.position)],
);

export const signingOrders = ['any', 'ordered'] as const;
export type SigningOrder = (typeof signingOrders)[number];

export const documentTypes = ['bid_request', 'customer_order', 'customer_invoice', 'vendor_order', 'bill'] as const;
/**
 * Every status in which a document of some type waits on its recipient (documents/status.ts
 * `awaitsRecipient`), sorted: `documents_org_account_open` holds only these documents, and a portal list's
 * first walk names the same list so SQLite may use it. `test/query-plans.test.ts` checks it is the machine's.
 */
export const OPEN_STATUSES = ['partially_paid', 'sent', 'viewed'] as const;
export type DocumentType = (typeof documentTypes)[number];
export const documentSubtypes = ['estimate', 'proposal', 'change_order', 'purchase_order', 'work_order'] as const;
export type DocumentSubtype = (typeof documentSubtypes)[number];

export const documents = sqliteTable(
  'documents',
  {
    id: id(),
    orgId: orgId(),
    jobId: text('job_id').notNull(),
    type: text('type', { enum: documentTypes }).notNull(),
    subtype: text('subtype', { enum: documentSubtypes }),
    number: text('number').notNull(),
    status: text('status').notNull(),
    accountId: text('account_id'),
    /** Bumped by a trigger on every change that a portal page shows (migration 0017, portal/page-cache.ts). */
    pageRev: integer('page_rev').notNull().default(0),
    /** The primary recipient: the first signer (or the one responsible contact of a bid or vendor order). */
    contactId: text('contact_id'),
    /** Issue 17: 'any' (every signer at once, in any order) or 'ordered' (the next is emailed when one signs). */
    signingOrder: text('signing_order', { enum: signingOrders }).notNull().default('any'),
    /** Issue 17: after every signer signed, the contractor countersigns; only then is the PDF sealed. */
    countersign: integer('countersign', { mode: 'boolean' }).notNull().default(false),
    /** Issue 18: each signer enters a 6-digit code emailed to them (signing_codes) before signing. */
    emailCode: integer('email_code', { mode: 'boolean' }).notNull().default(false),
    requireSignature: integer('require_signature', { mode: 'boolean' }).notNull().default(false),
    /** "Accept online payment": an invoice's balance, or an order's deposit, can be paid in the portal. */
    onlinePayment: integer('online_payment', { mode: 'boolean' }).notNull().default(false),
    currentVersion: integer('current_version').notNull().default(1), // the newest version (maybe a draft)
    sentVersion: integer('sent_version'), // the version the recipient sees; null until first sent
    sourceDocumentId: text('source_document_id'), // e.g. the order a deposit invoice was made from
    // The item step's one-time key: a second post of the same form finds this draft instead of making another.
    requestKey: text('request_key'),
    /** Issue 20: the template the draft started from (document_templates), or null; its reminders are the send's. */
    templateId: text('template_id'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
    sentAt: integer('sent_at'),
    /**
     * The date that counts now (issue 16): the sent version's valid-until, bids-due, due or required-by date,
     * copied at send and moved by an extension. Null: no deadline.
     */
    deadline: text('deadline'),
    /** The reminder plan the document was sent with (JSON `ReminderPlan`); null before the first send. */
    reminderPlan: text('reminder_plan'),
    /** When the recipient last asked for an updated document (one request a day). */
    updateRequestedAt: integer('update_requested_at'),
    // Comment notification throttle, per side that receives the email.
    notifiedContractorAt: integer('notified_contractor_at'),
    notifiedRecipientAt: integer('notified_recipient_at'),
  },
  (t) => [
    uniqueIndex('documents_org_type_number').on(t.orgId, t.type, t.number),
    // A job's documents, newest change first (its page's documents and their lines): a walk of the job's
    // documents, never of the company's by `documents_org_updated` (issue 19).
    index('documents_org_job').on(t.orgId, t.jobId, t.updatedAt, t.id),
    index('documents_org_account').on(t.orgId, t.accountId, t.sentVersion),
    // Issue 19: a portal list's page walks an account's documents newest sent first and stops at a page
    // (portal/queries.ts `listStatements`): the first page costs a page, not the account's history.
    index('documents_org_account_sent').on(t.orgId, t.accountId, t.sentAt, t.id),
    // The same, of the documents open for the recipient only: the walk of what waits passes over no other.
    index('documents_org_account_open')
      .on(t.orgId, t.accountId, t.sentAt, t.id)
      .where(sql.raw(`status IN (${OPEN_STATUSES.map((s) => `'${s}'`).join(', ')})`)),
    index('documents_org_status').on(t.orgId, t.type, t.status),
    uniqueIndex('documents_org_request_key').on(t.orgId, t.requestKey),
    // Issue 19: the documents list, newest change first, a page at a time (documents/queries.ts).
    index('documents_org_updated').on(t.orgId, t.updatedAt, t.id),
  ],
);

export const recipientRoles = ['signer', 'copy'] as const;
export type RecipientRole = (typeof recipientRoles)[number];

/**
 * Issue 17: who a document is sent to. Each row is one contact of the document's account: a
 * 'signer' decides (signs, approves, accepts, bids) for themselves with their own link; a 'copy'
 * can view, comment and upload, and doesn't sign. `position` is the signing order (1, 2, ...) when
 * the document's `signing_order` is 'ordered'; copies come after the signers. Written by the send
 * (the whole list, in the send's batch) and by removing a recipient, both through the room.
 * `documents.contact_id` stays the first signer.
 */
export const documentRecipients = sqliteTable(
  'document_recipients',
  {
    orgId: orgId(),
    documentId: text('document_id').notNull(),
    contactId: text('contact_id').notNull(),
    role: text('role', { enum: recipientRoles }).notNull(),
    position: integer('position').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.documentId, t.contactId] }),
    // Contact first: a company-only search cannot use it, so a document's recipients are read by the document's
    // own key (on (org_id, contact_id), SQLite read every recipient in the company to find one document's).
    index('document_recipients_contact').on(t.contactId, t.orgId),
  ],
);

export const documentVersions = sqliteTable(
  'document_versions',
  {
    id: id(),
    orgId: orgId(),
    documentId: text('document_id').notNull(),
    version: integer('version').notNull(),
    state: text('state', { enum: ['draft', 'sent', 'superseded'] }).notNull(),
    title: text('title').notNull(),
    issueDate: text('issue_date').notNull(),
    dueDate: text('due_date'),
    description: text('description').notNull().default(''),
    terms: text('terms').notNull().default(''),
    footer: text('footer').notNull().default(''),
    taxRate: integer('tax_rate').notNull().default(0),
    depositKind: text('deposit_kind', { enum: ['none', 'percent', 'fixed'] })
      .notNull()
      .default('none'),
    depositValue: integer('deposit_value').notNull().default(0), // thousandths of a percent, or cents
    preparedForName: text('prepared_for_name').notNull().default(''),
    preparedForEmail: text('prepared_for_email').notNull().default(''),
    snapshot: text('snapshot'), // JSON of everything the recipient saw, frozen at send
    pdfKey: text('pdf_key'),
    pdfSha256: text('pdf_sha256'),
    signatureBox: text('signature_box'), // JSON: where the signature goes in this version's PDF
    /** Issue 20: what the recipient is shown of the numbers (JSON `DisplayOptions`, documents/display.ts). */
    display: text('display').notNull().default('{}'),
    /**
     * Issue 20: the options the customer chose when the first signer signed (JSON `Selection`,
     * documents/choices.ts), and what that choice made: the snapshot, PDF and hash of exactly the
     * chosen lines, which every signature of this version binds and the seal seals. Null: no choice made.
     */
    selection: text('selection'),
    selectedSnapshot: text('selected_snapshot'),
    selectedPdfKey: text('selected_pdf_key'),
    selectedPdfSha256: text('selected_pdf_sha256'),
    selectedSignatureBox: text('selected_signature_box'),
    sentAt: integer('sent_at'),
    sentBy: text('sent_by'),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('document_versions_doc_version').on(t.documentId, t.version),
    index('document_versions_org').on(t.orgId),
  ],
);

export const lineChoices = ['required', 'optional', 'alternate'] as const;
export type LineChoice = (typeof lineChoices)[number];

export const documentLines = sqliteTable(
  'document_lines',
  {
    id: id(),
    orgId: orgId(),
    documentId: text('document_id').notNull(),
    versionId: text('version_id').notNull(),
    position: integer('position').notNull(),
    kind: text('kind', { enum: ['item', 'group'] }).notNull(),
    costItemId: text('cost_item_id'),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    costCode: text('cost_code').notNull().default(''),
    costType: text('cost_type', { enum: costTypes }),
    quantity: integer('quantity').notNull().default(0),
    unit: text('unit').notNull().default(''),
    unitCost: integer('unit_cost').notNull().default(0),
    unitPrice: integer('unit_price').notNull().default(0),
    taxable: integer('taxable', { mode: 'boolean' }).notNull().default(false),
    /**
     * Issue 20: 'required' (always in), 'optional' (the customer may add it; on a group line, the whole
     * group as one) or 'alternate' (one line of its `choiceSet` is chosen). Items inside an optional group
     * stay 'required': they come and go with their group.
     */
    choice: text('choice', { enum: lineChoices }).notNull().default('required'),
    /** The alternates' set ("Vanity"): the lines of one set are the choices of one "choose one". '' otherwise. */
    choiceSet: text('choice_set').notNull().default(''),
    /** The contractor's preselection: an optional line included unless the customer removes it; a set's default. */
    preselected: integer('preselected', { mode: 'boolean' }).notNull().default(false),
    /** An allowance: "Allowance: $3,000 for tile, selected later"; counted in the totals like any line. */
    allowance: integer('allowance', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [index('document_lines_version').on(t.versionId, t.position)],
);

export const payments = sqliteTable(
  'payments',
  {
    id: id(),
    orgId: orgId(),
    documentId: text('document_id').notNull(),
    amount: integer('amount').notNull(),
    paidOn: text('paid_on').notNull(),
    method: text('method').notNull(),
    reference: text('reference').notNull().default(''),
    recordedBy: text('recorded_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('payments_doc').on(t.orgId, t.documentId)],
);

export const onlinePaymentPurposes = ['invoice', 'deposit'] as const;
export const onlinePaymentStatuses = ['open', 'expired', 'processing', 'succeeded', 'failed'] as const;
export type OnlinePaymentStatus = (typeof onlinePaymentStatuses)[number];

/**
 * One Stripe Checkout session and the payment it becomes: open → processing (a bank debit) →
 * succeeded or failed, or open → expired. What it adds to the balance is a `payments` row
 * (method "Card" or "Bank account"), written when the money succeeded; a refund is a negative one.
 */
export const onlinePayments = sqliteTable(
  'online_payments',
  {
    id: id(),
    orgId: orgId(),
    documentId: text('document_id').notNull(),
    /** The sent version the customer saw when they pressed Pay. */
    version: integer('version').notNull(),
    contactId: text('contact_id'),
    purpose: text('purpose', { enum: onlinePaymentPurposes }).notNull(),
    amount: integer('amount').notNull(),
    currency: text('currency').notNull(),
    sessionId: text('session_id').notNull(),
    url: text('url').notNull(),
    status: text('status', { enum: onlinePaymentStatuses }).notNull(),
    /** 'card' or 'us_bank_account', once known. */
    method: text('method'),
    paymentIntentId: text('payment_intent_id'),
    /** Cents refunded so far (Stripe's cumulative amount_refunded). */
    refunded: integer('refunded').notNull().default(0),
    /** Why the payment was not applied as is: 'amount', 'currency', 'void', 'overpaid'. Null when it was. */
    flag: text('flag'),
    /** The payments row it added to the balance, once succeeded and applied. */
    paymentId: text('payment_id'),
    expiresAt: integer('expires_at').notNull(),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('online_payments_session').on(t.sessionId),
    index('online_payments_doc').on(t.orgId, t.documentId, t.status),
    index('online_payments_intent').on(t.paymentIntentId),
  ],
);

/** Every Stripe event applied, by its id: a replayed event finds its row and changes nothing. */
export const stripeEvents = sqliteTable('stripe_events', {
  id: text('id').primaryKey(),
  type: text('type').notNull(),
  account: text('account'),
  receivedAt: integer('received_at').notNull(),
});

export const reminderKinds = ['unopened', 'undecided', 'before_deadline', 'overdue', 'manual'] as const;
export type ReminderKind = (typeof reminderKinds)[number];
export const reminderStates = ['scheduled', 'sent', 'cancelled', 'skipped'] as const;
export type ReminderState = (typeof reminderStates)[number];

/**
 * One row per reminder a sent document will (or did) send: scheduled → sent, or cancelled when its
 * reason is gone (opened, signed, paid, void, revoked, a new version), or skipped when a later one
 * of the same document was due in the same run. A row is sent once: its state moves from
 * 'scheduled' in the same batch that queues its email.
 */
export const reminders = sqliteTable(
  'reminders',
  {
    id: id(),
    orgId: orgId(),
    documentId: text('document_id').notNull(),
    /** The sent version it chases: a reminder of an earlier version is cancelled, never sent. */
    version: integer('version').notNull(),
    kind: text('kind', { enum: reminderKinds }).notNull(),
    /** Which one of its kind: an overdue invoice's 1st, 2nd ... reminder; a manual reminder's count. */
    n: integer('n').notNull().default(1),
    dueAt: integer('due_at').notNull(),
    state: text('state', { enum: reminderStates }).notNull().default('scheduled'),
    /** Why it was cancelled or skipped, in a word: 'opened', 'decided', 'paid', 'void', 'revoked', 'revised' ... */
    reason: text('reason'),
    contactId: text('contact_id'),
    sentAt: integer('sent_at'),
    createdAt: createdAt(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('reminders_doc_kind').on(t.documentId, t.version, t.kind, t.n),
    index('reminders_due').on(t.state, t.dueAt),
    index('reminders_org_doc').on(t.orgId, t.documentId),
  ],
);

export const sides = ['contractor', 'recipient', 'system'] as const;
export type Side = (typeof sides)[number];

export const comments = sqliteTable(
  'comments',
  {
    id: id(),
    orgId: orgId(),
    documentId: text('document_id').notNull(),
    side: text('side', { enum: sides }).notNull(),
    userId: text('user_id'),
    contactId: text('contact_id'),
    authorName: text('author_name').notNull(),
    body: text('body').notNull(),
    createdAt: createdAt(),
  },
  // Issue 19: a page of comments is a range of this index in its (created_at, id) order
  // (conversation/comment-queries.ts).
  (t) => [index('comments_doc_time').on(t.orgId, t.documentId, t.createdAt, t.id)],
);

export const files = sqliteTable(
  'files',
  {
    id: id(),
    orgId: orgId(),
    documentId: text('document_id').notNull(),
    r2Key: text('r2_key').notNull(),
    name: text('name').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    side: text('side', { enum: sides }).notNull(),
    userId: text('user_id'),
    contactId: text('contact_id'),
    uploaderName: text('uploader_name').notNull(),
    createdAt: createdAt(),
    removedAt: integer('removed_at'),
  },
  (t) => [index('files_doc').on(t.orgId, t.documentId)],
);

export const signatures = sqliteTable(
  'signatures',
  {
    id: id(),
    orgId: orgId(),
    documentId: text('document_id').notNull(),
    versionId: text('version_id').notNull(),
    version: integer('version').notNull(),
    /** The recipient who signed; null for the contractor's countersignature (issue 17), whose signer is `user_id`. */
    contactId: text('contact_id'),
    /** The contractor's user who countersigned; null for a recipient's signature. */
    userId: text('user_id'),
    outcome: text('outcome', { enum: ['signed', 'approved', 'accepted', 'declined', 'countersigned'] }).notNull(),
    signerName: text('signer_name').notNull(),
    signerEmail: text('signer_email').notNull(),
    method: text('method', { enum: ['drawn', 'typed', 'none'] }).notNull(),
    imageKey: text('image_key'),
    reason: text('reason'),
    consentAt: integer('consent_at'),
    signedAt: integer('signed_at').notNull(),
    ip: text('ip').notNull().default(''),
    userAgent: text('user_agent').notNull().default(''),
    unsignedPdfSha256: text('unsigned_pdf_sha256').notNull(),
    idempotencyKey: text('idempotency_key'),
    sealedPdfKey: text('sealed_pdf_key'),
    sealedPdfSha256: text('sealed_pdf_sha256'),
    sealedAt: integer('sealed_at'),
    sealError: text('seal_error'),
    // The earlier version whose changes the signer was shown before signing (validated: an earlier sent version).
    comparedToVersion: integer('compared_to_version'),
    comparedToSha256: text('compared_to_sha256'),
    // Issue 18: what the certificate page states about how this person was identified and what they agreed to.
    /** The consent disclosure's version (CONSENT_VERSION) and the SHA-256 of its text as accepted; null: none. */
    consentVersion: text('consent_version'),
    consentSha256: text('consent_sha256'),
    /** 'email_link' (a portal link sent to their address), 'email_code' (and a code emailed to it), 'account'. */
    identifiedBy: text('identified_by', { enum: ['email_link', 'email_code', 'account'] }),
    /** When the signer's emailed code was verified (identified_by 'email_code'). */
    emailCodeAt: integer('email_code_at'),
    /** The SHA-256 of the certificate that sealed the file: /verify still knows our seal after a key rotation. */
    sealCertificateSha256: text('seal_certificate_sha256'),
  },
  (t) => [
    uniqueIndex('signatures_version_contact').on(t.versionId, t.contactId),
    // One countersignature per version (NULL contact ids are distinct to the index above).
    uniqueIndex('signatures_version_countersign').on(t.versionId).where(sql`contact_id IS NULL`),
    index('signatures_org_doc').on(t.orgId, t.documentId),
    index('signatures_sealed_sha').on(t.sealedPdfSha256),
    // /verify recognises the unsigned PDF's hash, which the certificate page prints (issue 18).
    index('signatures_unsigned_sha').on(t.unsignedPdfSha256),
    // Issue 19: the cron's sealing retry reads only what is not sealed yet, never every signature ever made.
    index('signatures_unsealed').on(t.versionId, t.documentId).where(sql`sealed_at IS NULL`),
  ],
);

/**
 * Issue 20: files the contractor asks the recipient for when sending ("Certificate of insurance", "W-9"):
 * one named slot each. A required slot holds back accepting and signing until it is filled (a file the
 * recipient shared into it, through the room) or the contractor waives it.
 */
export const fileRequests = sqliteTable(
  'file_requests',
  {
    id: id(),
    orgId: orgId(),
    documentId: text('document_id').notNull(),
    name: text('name').notNull(),
    required: integer('required', { mode: 'boolean' }).notNull().default(true),
    position: integer('position').notNull(),
    fileId: text('file_id'),
    filledBy: text('filled_by'), // the contact who filled it
    filledAt: integer('filled_at'),
    waivedBy: text('waived_by'), // the user who waived it
    waivedAt: integer('waived_at'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('file_requests_doc').on(t.orgId, t.documentId, t.position),
    uniqueIndex('file_requests_doc_name').on(t.documentId, t.name),
  ],
);

export const offlineMethods = ['paper', 'phone', 'in_person', 'email'] as const;
export type OfflineMethod = (typeof offlineMethods)[number];

/**
 * Issue 20: an approval the contractor records that was made outside the portal (on paper, by phone, in
 * person). Never a signature: it has its own row, is labelled "Recorded by <user>" everywhere, and moves
 * the document as an approval does (the same budget effect). `scanFileId` is an optional scan in R2.
 */
export const offlineApprovals = sqliteTable(
  'offline_approvals',
  {
    id: id(),
    orgId: orgId(),
    documentId: text('document_id').notNull(),
    versionId: text('version_id').notNull(),
    version: integer('version').notNull(),
    approverName: text('approver_name').notNull(),
    method: text('method', { enum: offlineMethods }).notNull(),
    approvedOn: text('approved_on').notNull(), // YYYY-MM-DD, in the company's time zone
    note: text('note').notNull().default(''),
    scanFileId: text('scan_file_id'),
    /** The options recorded as chosen (JSON `Selection`), when the document offers any. */
    selection: text('selection'),
    recordedBy: text('recorded_by').notNull(),
    recordedByName: text('recorded_by_name').notNull(),
    recordedAt: integer('recorded_at').notNull(),
  },
  (t) => [
    uniqueIndex('offline_approvals_version').on(t.versionId),
    index('offline_approvals_doc').on(t.orgId, t.documentId),
  ],
);

/**
 * Issue 18: the 6-digit codes emailed to a signer before signing a document that asks for one. Only the
 * code's HMAC is kept. A code is good for 10 minutes and one signature, and allows 5 wrong tries; a new
 * code replaces the last (its row is marked used). Written and checked through the document's room.
 */
export const signingCodes = sqliteTable(
  'signing_codes',
  {
    id: id(),
    orgId: orgId(),
    documentId: text('document_id').notNull(),
    contactId: text('contact_id').notNull(),
    /** The sent version the code was asked for: a revision asks for a new one. */
    version: integer('version').notNull(),
    codeHash: text('code_hash').notNull(),
    createdAt: createdAt(),
    expiresAt: integer('expires_at').notNull(),
    tries: integer('tries').notNull().default(0),
    /** When it was used to sign, or replaced by a newer code; null while it can still be entered. */
    usedAt: integer('used_at'),
  },
  (t) => [index('signing_codes_doc_contact').on(t.documentId, t.contactId, t.createdAt)],
);

/**
 * Which sent versions of a document each recipient contact has opened (one row per version, the
 * first view's time): the portal shows what changed since the last version they saw.
 */
export const versionViews = sqliteTable(
  'version_views',
  {
    orgId: orgId(),
    documentId: text('document_id').notNull(),
    contactId: text('contact_id').notNull(),
    version: integer('version').notNull(),
    viewedAt: integer('viewed_at').notNull(),
    // The last view logged and the device it came from (portal/views.ts `repeatsView`): a reload from the
    // same device soon after is the same view, not another line on the contractor's timeline.
    lastViewedAt: integer('last_viewed_at'),
    lastViewedFrom: text('last_viewed_from'),
  },
  (t) => [primaryKey({ columns: [t.documentId, t.contactId, t.version] })],
);

export const bids = sqliteTable(
  'bids',
  {
    id: id(),
    orgId: orgId(),
    documentId: text('document_id').notNull(),
    versionId: text('version_id').notNull(),
    contactId: text('contact_id').notNull(),
    accountId: text('account_id').notNull(),
    note: text('note').notNull().default(''),
    status: text('status', { enum: ['submitted', 'accepted', 'not_accepted'] }).notNull(),
    submittedAt: integer('submitted_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('bids_version').on(t.versionId), index('bids_org_doc').on(t.orgId, t.documentId)],
);

export const bidLines = sqliteTable(
  'bid_lines',
  {
    id: id(),
    orgId: orgId(),
    bidId: text('bid_id').notNull(),
    lineId: text('line_id').notNull(),
    unitCost: integer('unit_cost'), // null = "no bid" on this line
    note: text('note').notNull().default(''),
  },
  (t) => [index('bid_lines_bid').on(t.bidId)],
);

// Append-only: no code path updates or deletes a row here.
export const activity = sqliteTable(
  'activity',
  {
    id: id(),
    orgId: orgId(),
    jobId: text('job_id'),
    documentId: text('document_id'),
    seq: integer('seq'), // gapless per document, assigned by its DocumentRoom; null for events outside a document
    action: text('action').notNull(),
    side: text('side', { enum: sides }).notNull(),
    userId: text('user_id'),
    contactId: text('contact_id'),
    actorName: text('actor_name').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    data: text('data'), // JSON details of the event
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('activity_doc_seq').on(t.documentId, t.seq),
    index('activity_org_time').on(t.orgId, t.createdAt),
    index('activity_org_job').on(t.orgId, t.jobId, t.createdAt),
  ],
);

export const outbox = sqliteTable(
  'outbox',
  {
    id: id(),
    orgId: text('org_id'),
    documentId: text('document_id'),
    kind: text('kind').notNull(),
    toEmail: text('to_email').notNull(),
    toName: text('to_name').notNull().default(''),
    fromName: text('from_name').notNull(),
    replyTo: text('reply_to'),
    subject: text('subject').notNull(),
    html: text('html').notNull(),
    text: text('text').notNull(),
    status: text('status', { enum: ['queued', 'sent', 'failed', 'held'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    createdAt: createdAt(),
    sentAt: integer('sent_at'),
  },
  (t) => [index('outbox_status').on(t.status, t.nextAttemptAt), index('outbox_doc').on(t.orgId, t.documentId)],
);

/**
 * A recipient's browser session: one person. `org_id`/`contact_id`/`access_version` are the company
 * whose link opened it last (where /portal starts); every company the session holds, that one
 * included, is a row of `portal_session_contacts` (issue 17).
 */
export const portalSessions = sqliteTable(
  'portal_sessions',
  {
    id: text('id').primaryKey(), // SHA-256 of the cookie token
    orgId: orgId(),
    contactId: text('contact_id').notNull(),
    accessVersion: integer('access_version').notNull(),
    /** The person's address, lower case, as their links proved it: a session only holds contacts with it. */
    email: text('email').notNull().default(''),
    expiresAt: integer('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('portal_sessions_contact').on(t.contactId)],
);

/**
 * Issue 17: the companies one portal session holds, one contact each. A row counts only while its
 * contact's access version is the one stored: a revoke (or a new address) drops that company from the
 * session at once and leaves the others.
 */
export const portalSessionContacts = sqliteTable(
  'portal_session_contacts',
  {
    sessionId: text('session_id').notNull(),
    orgId: orgId(),
    contactId: text('contact_id').notNull(),
    accessVersion: integer('access_version').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.orgId] }), index('portal_session_contacts_contact').on(t.contactId)],
);
