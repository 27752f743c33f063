import type { LineChoice } from '../db/schema';

// Issue 20: the choices a customer makes on an estimate, proposal or change order. A line (or a whole
// group, with its items) is required, optional (the customer may add it) or one alternate of a set
// ("choose one"). A selection names the chosen optional and alternate lines; what it includes is every
// required line, every chosen line, and the items of every included group. These are the only rules:
// the editor, the portal, the room's signature, the offline approval and the budget all read them here.

/** The fields of a line the rules read (a document line row, or a snapshot line). */
export interface ChoiceLine {
  id: string;
  kind: 'item' | 'group';
  name: string;
  choice?: LineChoice;
  choiceSet?: string;
  preselected?: boolean;
}

/** What the customer chose, as stored on the version and on an offline approval (JSON). */
export interface Selection {
  /** The ids of the chosen optional and alternate lines (groups or items), in document order. */
  chosen: string[];
  /** Who chose: the signer's name (portal) or the recorded approver's (offline approval). */
  by: string;
  at: number;
}

/** One "choose one": the set's name and its lines' ids, in document order. */
export interface AlternateSet {
  name: string;
  ids: string[];
}

export interface ChoiceShape {
  /** Whether the document offers any choice at all. */
  any: boolean;
  optional: string[];
  sets: AlternateSet[];
  /** Each line's group line id (null for lines before the first group, and for groups). */
  groupOf: Map<string, string | null>;
}

const choiceOf = (l: ChoiceLine): LineChoice => l.choice ?? 'required';

/** The optional lines and alternate sets of a document, and which group each line is in. */
export function choiceShape(lines: readonly ChoiceLine[]): ChoiceShape {
  const optional: string[] = [];
  const sets = new Map<string, string[]>();
  const groupOf = new Map<string, string | null>();
  let group: string | null = null;
  for (const l of lines) {
    if (l.kind === 'group') group = l.id;
    groupOf.set(l.id, l.kind === 'group' ? null : group);
    const c = choiceOf(l);
    if (c === 'optional') optional.push(l.id);
    else if (c === 'alternate') {
      const name = (l.choiceSet ?? '').trim() || l.name;
      const ids = sets.get(name) ?? [];
      ids.push(l.id);
      sets.set(name, ids);
    }
  }
  const alternates = [...sets].map(([name, ids]) => ({ name, ids }));
  return { any: optional.length > 0 || alternates.length > 0, optional, sets: alternates, groupOf };
}

/** The contractor's preselection: preselected optional lines, and each set's preselected (else first) line. */
export function defaultChosen(lines: readonly ChoiceLine[]): string[] {
  const shape = choiceShape(lines);
  const byId = new Map(lines.map((l) => [l.id, l]));
  const chosen = new Set(shape.optional.filter((id) => byId.get(id)?.preselected));
  for (const set of shape.sets) chosen.add(set.ids.find((id) => byId.get(id)?.preselected) ?? set.ids[0]);
  return lines.filter((l) => chosen.has(l.id)).map((l) => l.id);
}

export type Checked = { ok: true; chosen: string[] } | { ok: false; message: string };

/**
 * A customer's choice checked against the document's lines: every id must be an optional or alternate
 * line of this version, and every set must have exactly one chosen. Answers the chosen ids in document
 * order (duplicates dropped), or the message the customer is shown.
 */
export function checkChosen(lines: readonly ChoiceLine[], ids: readonly string[]): Checked {
  const shape = choiceShape(lines);
  const offered = new Set([...shape.optional, ...shape.sets.flatMap((s) => s.ids)]);
  const picked = new Set<string>();
  for (const id of ids) {
    if (!offered.has(id)) return { ok: false, message: 'One of the options you chose is not on this document.' };
    picked.add(id);
  }
  for (const set of shape.sets) {
    const n = set.ids.filter((id) => picked.has(id)).length;
    if (n > 1) return { ok: false, message: `Choose only one option for “${set.name}”.` };
    if (n === 0) return { ok: false, message: `Choose one option for “${set.name}”.` };
  }
  return { ok: true, chosen: lines.filter((l) => picked.has(l.id)).map((l) => l.id) };
}

/**
 * The lines a chosen set includes, in order: required lines, chosen lines, and the items of included
 * groups (an item is in only when its group is). `chosen` must have passed `checkChosen`.
 */
export function includedLines<L extends ChoiceLine>(lines: readonly L[], chosen: readonly string[]): L[] {
  const picked = new Set(chosen);
  const inSelf = (l: ChoiceLine) => choiceOf(l) === 'required' || picked.has(l.id);
  let groupIn = true;
  const out: L[] = [];
  for (const l of lines) {
    if (l.kind === 'group') {
      groupIn = inSelf(l);
      if (groupIn) out.push(l);
    } else if (groupIn && inSelf(l)) out.push(l);
  }
  return out;
}

/** The names of the offered options, chosen and not, as the certificate and the contractor's page list them. */
export function choiceSummary(lines: readonly ChoiceLine[], chosen: readonly string[]) {
  const shape = choiceShape(lines);
  const picked = new Set(chosen);
  const name = new Map(lines.map((l) => [l.id, l.name]));
  return {
    optional: shape.optional.map((id) => ({ id, name: name.get(id) ?? '', chosen: picked.has(id) })),
    sets: shape.sets.map((s) => ({ name: s.name, chosen: name.get(s.ids.find((id) => picked.has(id)) ?? '') ?? '' })),
  };
}

/** A stored selection (version or offline approval), or null when there is none or it does not parse. */
export function parseSelection(json: string | null | undefined): Selection | null {
  if (!json) return null;
  try {
    const v = JSON.parse(json) as Partial<Selection>;
    if (!Array.isArray(v.chosen) || !v.chosen.every((x) => typeof x === 'string')) return null;
    return { chosen: v.chosen, by: typeof v.by === 'string' ? v.by : '', at: typeof v.at === 'number' ? v.at : 0 };
  } catch {
    return null;
  }
}
