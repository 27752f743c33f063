import { html } from '../../views/html';
import { FilesFirst, RequestedFiles } from '../../views/portal/requested-files';
import { signButtonLabel } from '../../views/portal/statement';
import { missingFiles, missingFilesSentence } from '../documents/file-requests';
import type { AppContext } from '../http/context';
import { takeFormFlash } from '../http/flash';
import type { Found } from './pages';
import { portalViewer } from './session';

// Issue 20, part D: the requested files on the recipient's document page, from the page's own batch.

/** The checklist before the decision, or nothing when the contractor asks for no files. */
export function requestedFilesChecklist(c: AppContext, found: Found) {
  const slots = found.fileRequests;
  if (!slots.length) return null;
  const viewer = portalViewer(c);
  const d = found.document;
  const base = `/portal/documents/${d.id}/files`;
  // A signer or a copy; a document without recipient rows is its one contact's (the room's plan checks the same).
  const canUpload = found.recipients.length
    ? found.recipients.some((r) => r.contactId === viewer.contactId)
    : d.contactId === viewer.contactId;
  // A refused upload redirected here with its message for that slot's form (conversation/routes.ts).
  const errors: Record<string, string> = {};
  for (const s of slots) {
    const said = s.fileId || s.waivedAt ? undefined : takeFormFlash(c, `slot:${d.id}:${s.id}`);
    if (said) errors[s.id] = said;
  }
  return html`<${RequestedFiles} slots=${slots} companyName=${viewer.org.name} timeZone=${viewer.org.timeZone}
    action=${`${base}?_csrf=${encodeURIComponent(c.get('csrf'))}`} filesBase=${base} canUpload=${canUpload}
    maxMb=${found.maxUploadMb} errors=${errors} />`;
}

/** The sign panel's note instead of its form while a required file is neither uploaded nor waived, else null. */
export function filesFirst(found: Found, verb: 'Approve' | 'Accept') {
  const missing = missingFiles(found.fileRequests);
  if (!missing.length) return null;
  const button = signButtonLabel({ verb, requireSignature: found.document.requireSignature });
  return html`<${FilesFirst} sentence=${missingFilesSentence(missing)} button=${button} />`;
}
