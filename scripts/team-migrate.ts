/**
 * Creates or upgrades the team store's schema, as the database's owner role (README, "Tổ tổng đài
 * nhiều máy"). Workstations never do this: their role may read and append only.
 *
 *   npm run team:migrate -- --url postgres://helpdesk_owner@db.tphcm.gov.vn/helpdesk --app-role helpdesk_app --ca ca.pem
 *
 * The owner's password is read from the terminal (not echoed), or from HELPDESK_TEAM_OWNER_PASSWORD for
 * scripted installs; never from the URL. TLS with certificate verification is required off loopback.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { migrateTeamStore } from '../src-main/adapters/team/migrations';
import { poolConfig, teamError } from '../src-main/adapters/team/pool';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function password(): Promise<string> {
  const fromEnv = process.env.HELPDESK_TEAM_OWNER_PASSWORD;
  if (fromEnv) return fromEnv;
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  process.stdout.write('Mật khẩu của vai trò sở hữu (owner): ');
  // Nothing typed is echoed.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stdout.write('\n');
  return answer;
}

async function main(): Promise<void> {
  const url = arg('url');
  const appRole = arg('app-role') ?? 'helpdesk_app';
  const caFile = arg('ca');
  if (!url) {
    console.error('Cách dùng: npm run team:migrate -- --url postgres://<owner>@<máy chủ>/<cơ sở dữ liệu> [--app-role helpdesk_app] [--ca ca.pem]');
    process.exit(2);
  }
  const client = new pg.Client(poolConfig({ url, caCertificate: caFile ? readFileSync(caFile, 'utf8') : '', workstation: 'team-migrate' }, await password()));
  try {
    await client.connect();
    const version = await migrateTeamStore(client, appRole);
    console.log(`Kho dữ liệu dùng chung: lược đồ phiên bản ${version}; vai trò ${appRole} được cấp quyền đọc và ghi thêm (không sửa, không xóa nhật ký).`);
  } catch (err) {
    const e = teamError(err);
    console.error(`Không nâng cấp được: ${e.code}${e.reason ? ` (${e.reason})` : ''}${e.detail ? ` — ${e.detail}` : ''}`);
    process.exitCode = 1;
  } finally {
    await client.end().catch(() => undefined);
  }
}

void main();
