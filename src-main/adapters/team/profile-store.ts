import type { PublishedProfile, TeamProfileStore } from '../../domain/ports';
import type { TeamPool } from './pool';

interface ProfileRow {
  version: number;
  body: string;
  published_by: string;
  published_on: string;
  published_at: Date;
}

const fromRow = (r: ProfileRow): PublishedProfile => ({
  version: r.version,
  body: JSON.parse(r.body) as unknown,
  publishedBy: r.published_by,
  publishedOn: r.published_on,
  publishedAt: r.published_at,
});

/** The team's published profile: one row, its version counted up by the database on each publication. */
export class PgTeamProfileStore implements TeamProfileStore {
  constructor(private readonly pool: TeamPool) {}

  async read(): Promise<PublishedProfile | null> {
    const r = await this.pool.read((c) => c.query<ProfileRow>('SELECT version, body, published_by, published_on, published_at FROM team_profile WHERE id = 1'));
    return r.rows[0] ? fromRow(r.rows[0]) : null;
  }

  async publish(body: unknown, by: string): Promise<PublishedProfile> {
    const r = await this.pool.read((c) =>
      c.query<ProfileRow>(
        `INSERT INTO team_profile (id, version, body, published_by, published_on, published_at) VALUES (1, 1, $1, $2, $3, clock_timestamp())
         ON CONFLICT (id) DO UPDATE SET version = team_profile.version + 1, body = excluded.body, published_by = excluded.published_by,
           published_on = excluded.published_on, published_at = excluded.published_at
         RETURNING version, body, published_by, published_on, published_at`,
        [JSON.stringify(body), by, this.pool.profile.workstation],
      ),
    );
    return fromRow(r.rows[0]!);
  }
}
