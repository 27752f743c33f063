import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

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
