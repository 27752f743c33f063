import type { RecipientsPanelProps } from '../../views/dashboard/recipients-panel';
import type { LoadedDocument } from '../documents/queries';

// Issue 17, part B: the recipients panel's props from the page's one batch (getDocument), or null.

export function recipientsPanel(_d: LoadedDocument, _opts: { csrf: string }): RecipientsPanelProps | null {
  return null;
}
