import { lineage } from '../documents/drafts';
import { recipientSnapshot, type ShownSnapshot } from '../documents/display';
import type { DocumentSnapshot } from '../documents/snapshot';

// What changed between the version a recipient last opened and the one they are shown now: lines
// added, removed or changed (quantity, price, total, name, unit, description, group), the total's
// difference and the document's other terms. Pure: two snapshots in, plain data out. Lines are
// matched by their lineage (a revision keeps the first 20 characters of each line's id), so
// reordering is not a change.

export interface LineState {
  name: string;
  description: string;
  /** Issue 20: a number hidden from the recipient (in either version) is absent. */
  quantity?: number;
  unit?: string;
  unitAmount?: number;
  total?: number;
  taxable: boolean;
  group: string | null;
  /** Issue 20: the customer's choice of the line (required when the snapshot has none). */
  choice: 'required' | 'optional' | 'alternate';
  choiceSet: string;
  preselected: boolean;
  allowance: boolean;
}

export type LineField =
  | 'name'
  | 'description'
  | 'quantity'
  | 'unit'
  | 'unitAmount'
  | 'total'
  | 'taxable'
  | 'group'
  | 'choice'
  | 'choiceSet'
  | 'preselected'
  | 'allowance';

export type LineChange =
  | { kind: 'added'; after: LineState }
  | { kind: 'removed'; before: LineState }
  | { kind: 'changed'; before: LineState; after: LineState; fields: LineField[] };

/** The changes under one group heading (null: lines before any group), in the new version's order. */
export interface GroupChanges {
  group: string | null;
  changes: LineChange[];
}

export type OtherChange =
  | { field: 'title' | 'group'; before: string; after: string }
  | { field: 'dueDate'; label: string; before: string | null; after: string | null }
  | { field: 'taxRate'; before: number; after: number }
  | { field: 'deposit'; before: number; after: number }
  | { field: 'description' | 'terms' };

export interface VersionChanges {
  from: number;
  to: number;
  /** The earlier version's PDF hash: what the sign form posts as comparedTo. */
  fromSha256: string;
  groups: GroupChanges[];
  /** How many lines were added, removed and changed, in all. */
  count: { added: number; removed: number; changed: number };
  total: { before: number; after: number; difference: number };
  /** The unit amount the lines show: price (customers), cost (vendors) or none (a bid request). */
  amountColumn: DocumentSnapshot['amountColumn'];
  other: OtherChange[];
}

type Keyed = LineState & { groupKey: string | null };

/** Each item line with the group it sits under, keyed by lineage; and each group's name by lineage. */
function itemsOf(s: ShownSnapshot) {
  const items = new Map<string, Keyed>();
  const groups = new Map<string, string>();
  let group: string | null = null;
  let groupKey: string | null = null;
  for (const l of s.lines) {
    if (l.kind === 'group') {
      group = l.name;
      groupKey = lineage(l.id);
      groups.set(groupKey, l.name);
      continue;
    }
    const { name, description, quantity, unit, unitAmount, total, taxable } = l;
    const choice: LineState['choice'] = l.choice ?? 'required';
    const offered = { choice, choiceSet: l.choiceSet ?? '', preselected: choice !== 'required' && !!l.preselected };
    const numbers = { quantity, unit, unitAmount, total };
    items.set(lineage(l.id), {
      name,
      description,
      ...numbers,
      taxable,
      group,
      groupKey,
      ...offered,
      allowance: !!l.allowance,
    });
  }
  return { items, groups };
}

const stateOf = ({ groupKey: _, ...state }: Keyed): LineState => state;

const FIELDS = [
  'name',
  'description',
  'quantity',
  'unit',
  'unitAmount',
  'total',
  'taxable',
  'choice',
  'choiceSet',
  'preselected',
  'allowance',
] as const;

// A number only one version shows (a display change) is not a change the recipient can see.
const NUMBERS = new Set<string>(['quantity', 'unit', 'unitAmount', 'total']);
const differs = (was: Keyed, now: Keyed, f: (typeof FIELDS)[number]) =>
  was[f] !== now[f] && (!NUMBERS.has(f) || (was[f] !== undefined && now[f] !== undefined));

/** What changed from `before` (the version last opened) to `after` (the one shown now). */
export function versionChanges(before: ShownSnapshot, after: ShownSnapshot, fromSha256 = ''): VersionChanges {
  const { items: old, groups: oldGroups } = itemsOf(before);
  const { items: now, groups: newGroups } = itemsOf(after);
  const groups: GroupChanges[] = [];
  const byGroup = new Map<string | null, GroupChanges>();
  const add = (group: string | null, change: LineChange) => {
    let g = byGroup.get(group);
    if (!g) {
      g = { group, changes: [] };
      byGroup.set(group, g);
      groups.push(g);
    }
    g.changes.push(change);
  };
  const count = { added: 0, removed: 0, changed: 0 };
  // The new version's order; a removed line is listed right after the kept line that preceded it.
  const removedAfter = new Map<string | null, Keyed[]>();
  let kept: string | null = null;
  for (const [key, line] of old) {
    if (now.has(key)) kept = key;
    else removedAfter.set(kept, [...(removedAfter.get(kept) ?? []), line]);
  }
  const listRemoved = (key: string | null) => {
    for (const line of removedAfter.get(key) ?? []) {
      add(line.group, { kind: 'removed', before: stateOf(line) });
      count.removed++;
    }
  };
  listRemoved(null);
  for (const [key, line] of now) {
    const was = old.get(key);
    if (!was) {
      add(line.group, { kind: 'added', after: stateOf(line) });
      count.added++;
    } else {
      const fields: LineField[] = FIELDS.filter((f) => differs(was, line, f));
      if (was.groupKey !== line.groupKey) fields.push('group');
      if (fields.length) {
        add(line.group, { kind: 'changed', before: stateOf(was), after: stateOf(line), fields });
        count.changed++;
      }
    }
    listRemoved(key);
  }
  const other: OtherChange[] = [];
  for (const [key, name] of newGroups) {
    const was = oldGroups.get(key);
    if (was !== undefined && was !== name) other.push({ field: 'group', before: was, after: name });
  }
  if (before.title !== after.title) other.push({ field: 'title', before: before.title, after: after.title });
  if (before.dueDate !== after.dueDate)
    other.push({ field: 'dueDate', label: after.dueLabel, before: before.dueDate, after: after.dueDate });
  if (before.taxRate !== after.taxRate) other.push({ field: 'taxRate', before: before.taxRate, after: after.taxRate });
  if (before.totals.deposit !== after.totals.deposit)
    other.push({ field: 'deposit', before: before.totals.deposit, after: after.totals.deposit });
  if (before.description !== after.description) other.push({ field: 'description' });
  if (before.terms !== after.terms) other.push({ field: 'terms' });
  return {
    from: before.version,
    to: after.version,
    fromSha256,
    groups,
    count,
    total: {
      before: before.totals.total,
      after: after.totals.total,
      difference: after.totals.total - before.totals.total,
    },
    amountColumn: after.amountColumn,
    other,
  };
}

/** The changes since the version the contact last opened (the page's `lastSeen` read), or null when none is earlier. */
export function changesSince(
  lastSeen: { version: number; pdfSha256: string | null; snapshot: string | null } | null,
  shown: DocumentSnapshot,
): VersionChanges | null {
  if (!lastSeen?.snapshot || lastSeen.version >= shown.version) return null;
  // Issue 20: the recipient saw the earlier version through its display and sees this one through its
  // own: a number either hides is compared nowhere, so "was" and "now" never name a hidden one.
  const after = recipientSnapshot(shown);
  const before = recipientSnapshot(JSON.parse(lastSeen.snapshot) as DocumentSnapshot);
  return versionChanges(before, after, lastSeen.pdfSha256 ?? '');
}
