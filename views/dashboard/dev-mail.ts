import { Csrf } from '../components/form';
import { html } from '../html';
import { PageHeader } from '../components/form';
import { dateTime } from '../format';
import { Document } from '../layout/page';

interface Message {
  id: string;
  toEmail: string;
  toName: string;
  subject: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: number;
  kind: string;
}

const statusBadge = (status: string) => (status === 'sent' ? 'approved' : status === 'failed' ? 'declined' : 'draft');

interface DevMailProps {
  nonce: string;
  csrf: string;
  /** What the last "Run scheduled work" did. */
  notice?: string;
  messages: Message[];
}

export function DevMailPage({ nonce, csrf, notice, messages }: DevMailProps) {
  return html`<${Document} title="Development mailbox" nonce=${nonce} bodyClass="plain">
    <main id="main" class="plain-main wide">
      <${PageHeader}
        title="Development mailbox"
        sub="Every email the app has written to its outbox. Without a MailChannels key nothing leaves this machine."
      />
      ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
      <form method="post" action="/dev/scheduled" class="card stack">
        <${Csrf} token=${csrf} />
        <label for="dev-days">Run the reminders and daily digests as if this many days had passed</label>
        <input id="dev-days" name="days" type="number" min="0" max="60" step="1" value="0" inputmode="numeric" />
        <button class="btn" type="submit">Run scheduled work</button>
      </form>
      ${
        messages.length === 0
          ? html`<div class="empty"><p>No mail yet.</p></div>`
          : html`<div class="table-wrap"><table class="data mail-list">
            <thead><tr><th>When (UTC)</th><th>To</th><th>Subject</th><th>Status</th></tr></thead>
            <tbody>${messages.map(
              (m) => html`<tr>
                <td>${dateTime(m.createdAt, 'UTC')}</td><td>${m.toName ? `${m.toName} <${m.toEmail}>` : m.toEmail}</td>
                <td><a href=${`/dev/mail/${m.id}`}>${m.subject}</a></td>
                <td>
                  <span class=${`badge ${statusBadge(m.status)}`}>${m.status}</span>
                  ${m.lastError ? html` <span class="muted small">${m.lastError}</span>` : null}
                </td>
              </tr>`,
            )}</tbody>
          </table></div>`
      }
    </main>
  <//>`;
}

export function DevMailMessagePage({ nonce, message }: { nonce: string; message: Message & { text: string } }) {
  const to = message.toName ? `${message.toName} <${message.toEmail}>` : message.toEmail;
  return html`<${Document} title=${message.subject} nonce=${nonce} bodyClass="plain">
    <main id="main" class="plain-main wide">
      <p><a href="/dev/mail">← All mail</a></p>
      <${PageHeader} title=${message.subject} sub=${`To ${to} · ${dateTime(message.createdAt, 'UTC')}`} />
      <iframe class="mail-frame" title="Email (HTML)" src=${`/dev/mail/${message.id}/html`} sandbox=""></iframe>
      <details><summary>Plain-text version</summary><pre class="mail-text">${message.text}</pre></details>
    </main>
  <//>`;
}
