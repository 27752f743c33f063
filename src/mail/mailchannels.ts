import type { Env } from '../env';

export const MAILCHANNELS_URL = 'https://api.mailchannels.net/tx/v1/send';

interface Message {
  toEmail: string;
  toName: string;
  fromName: string;
  replyTo: string | null;
  subject: string;
  html: string;
  text: string;
}

export function mailChannelsPayload(env: Env, msg: Message) {
  const dkim =
    env.DKIM_DOMAIN && env.DKIM_SELECTOR && env.DKIM_PRIVATE_KEY
      ? { dkim_domain: env.DKIM_DOMAIN, dkim_selector: env.DKIM_SELECTOR, dkim_private_key: env.DKIM_PRIVATE_KEY }
      : {};
  return {
    personalizations: [{ to: [{ email: msg.toEmail, ...(msg.toName ? { name: msg.toName } : {}) }], ...dkim }],
    from: { email: env.MAIL_FROM, name: msg.fromName },
    ...(msg.replyTo ? { reply_to: { email: msg.replyTo } } : {}),
    subject: msg.subject,
    content: [
      { type: 'text/plain', value: msg.text },
      { type: 'text/html', value: msg.html },
    ],
  };
}

export async function sendViaMailChannels(
  env: Env,
  msg: Message,
): Promise<{ ok: true } | { ok: false; error: string }> {
  try {
    const res = await fetch(MAILCHANNELS_URL, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': env.MAILCHANNELS_API_KEY ?? '' },
      body: JSON.stringify(mailChannelsPayload(env, msg)),
      signal: AbortSignal.timeout(15_000),
    });
    if (res.ok) return { ok: true };
    const detail = (await res.text().catch(() => '')).slice(0, 500);
    return { ok: false, error: `MailChannels answered ${res.status}${detail ? `: ${detail}` : ''}` };
  } catch (err) {
    return { ok: false, error: `MailChannels unreachable: ${err instanceof Error ? err.message : String(err)}` };
  }
}
