import { createHmac, hkdfSync } from 'node:crypto';
import { canonicalJson } from '../../domain/canonical-json';
import { HelpdeskError } from '../../domain/errors';
import type { PublishedProfile, TeamProfileStore } from '../../domain/ports';
import { sameHex } from '../store/audit-chain';
import type { TeamPool } from './pool';

interface ProfileRow {
  version: number;
  body: string;
  published_by: string;
  published_on: string;
  published_at: Date;
  mac: string;
}

/** The key that authenticates published profiles, derived from the team's audit key (keychains only). */
export function profileMacKey(teamAuditKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', teamAuditKey, Buffer.alloc(0), 'helpdesk team profile', 32));
}

/**
 * The team's published profile: one row, each publication the next version, authenticated with an HMAC
 * under the team's key over the version, who published it where, and the body — the database never
 * holds the key, so a row changed there (another directory, other role groups) is seen as not authentic.
 */
export class PgTeamProfileStore implements TeamProfileStore {
  constructor(
    private readonly pool: TeamPool,
    private readonly key: Buffer,
  ) {}

  private mac(version: number, by: string, on: string, bodyText: string): string {
    return createHmac('sha256', this.key).update(`${version}\n${by}\n${on}\n${bodyText}`).digest('hex');
  }

  private fromRow(r: ProfileRow): PublishedProfile {
    let body: unknown = null;
    try {
      body = JSON.parse(r.body) as unknown;
    } catch {
      // not JSON: not authentic either (the MAC is over the canonical text)
    }
    const authentic = body !== null && sameHex(this.mac(r.version, r.published_by, r.published_on, canonicalJson(body)), r.mac);
    return { version: r.version, body, publishedBy: r.published_by, publishedOn: r.published_on, publishedAt: r.published_at, authentic };
  }

  async read(): Promise<PublishedProfile | null> {
    const r = await this.pool.read((c) => c.query<ProfileRow>('SELECT version, body, published_by, published_on, published_at, mac FROM team_profile WHERE id = 1'));
    return r.rows[0] ? this.fromRow(r.rows[0]) : null;
  }

  async publish(body: unknown, by: string): Promise<PublishedProfile> {
    const on = this.pool.profile.workstation;
    const text = canonicalJson(body);
    // The next version is MACed with the body: written only if no other publication came in between.
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.read();
      const version = (current?.version ?? 0) + 1;
      const mac = this.mac(version, by, on, text);
      const r = await this.pool.read((c) =>
        c.query<ProfileRow>(
          `INSERT INTO team_profile (id, version, body, published_by, published_on, published_at, mac) VALUES (1, $1, $2, $3, $4, clock_timestamp(), $5)
           ON CONFLICT (id) DO UPDATE SET version = excluded.version, body = excluded.body, published_by = excluded.published_by,
             published_on = excluded.published_on, published_at = excluded.published_at, mac = excluded.mac
           WHERE team_profile.version = $1 - 1
           RETURNING version, body, published_by, published_on, published_at, mac`,
          [version, text, by, on, mac],
        ),
      );
      if (r.rows[0]) return this.fromRow(r.rows[0]);
    }
    throw new HelpdeskError('CASE_BUSY', { detail: 'profile published concurrently' });
  }
}
