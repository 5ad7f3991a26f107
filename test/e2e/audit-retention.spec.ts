import { readFileSync } from 'node:fs';
import { expect, type Page, test } from '@playwright/test';
import { auth, shot, signInAs, signOutBeforeEach } from './support';

// Audit retention (Settings), the purge (supervisor) and the head kept outside the app (a downloaded
// file, a printed page). The training database is recreated at each harness start: every row of this
// run is recent, so no purge here ever removes anything.

signOutBeforeEach();

interface AuditHead {
  seq: number;
  hash: string;
}

/** The chain's head as the main process gives it (the page's session: a supervisor or an auditor is signed in). */
async function apiHead(page: Page): Promise<AuditHead> {
  const r = await page.request.post('/api/audit/head', { data: {}, headers: auth });
  const body = (await r.json()) as { ok: boolean; value: AuditHead | null };
  expect(body.ok).toBe(true);
  expect(body.value).not.toBeNull();
  return body.value!;
}

/** The saved retention (undefined: not set), read through the API. */
async function savedRetention(page: Page): Promise<number | undefined> {
  const r = await page.request.post('/api/settings/get', { data: {}, headers: auth });
  const body = (await r.json()) as { ok: boolean; value: { settings: { audit?: { retentionMonths: number } } } };
  expect(body.ok).toBe(true);
  return body.value.settings.audit?.retentionMonths;
}

async function openSettings(page: Page): Promise<void> {
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('settings-audit')).toBeVisible();
}

async function openAuditView(page: Page): Promise<void> {
  await page.getByTestId('nav-audit').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nhật ký kiểm tra');
  await expect(page.getByTestId('audit-row').first()).toBeVisible();
  await expect(page.getByTestId('audit-head-value')).toHaveText(/^\d+:[0-9a-f]{64}$/u);
}

test('supervisor: retention 6 months saved; the purge finds nothing past it and the chain still verifies; 3 or 121 months refused at the field', async ({ page }, info) => {
  await signInAs(page, 'giamsat01', 'Võ Thanh Tâm');
  await openSettings(page);
  const retention = page.getByTestId('settings-audit-retention');
  await expect(page.getByTestId('settings-audit').locator('legend')).toHaveText('Nhật ký kiểm tra');
  await expect(page.getByLabel('Thời gian lưu nhật ký (tháng)')).toBeVisible();
  await expect(retention).toHaveAttribute('placeholder', '24');
  await retention.fill('6');
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('settings-saved')).toContainText('Đã lưu');
  await expect(retention).toHaveValue('6');
  expect(await savedRetention(page)).toBe(6);
  // Still signed in: the retention is not a directory change.
  await expect(page.getByTestId('operator-name')).toContainText('Võ Thanh Tâm');
  await shot(page.getByTestId('settings-audit'), info, 'settings-audit-retention');

  // The purge: a confirmation that says what will happen, with the 6 months just saved.
  await openAuditView(page);
  const before = await page.getByTestId('audit-head-value').textContent();
  await page.getByTestId('audit-purge').click();
  const confirm = page.getByTestId('audit-purge-confirm');
  await expect(confirm).toBeFocused();
  await expect(page.getByTestId('audit-purge-effect')).toHaveText(
    'Các dòng nhật ký cũ hơn 6 tháng sẽ bị xóa; một dòng mốc (checkpoint) ghi lại phạm vi đã xóa và mã băm của dòng cuối, để chuỗi vẫn kiểm tra được. Không thể hoàn tác.',
  );
  await shot(page.getByTestId('audit-integrity'), info, 'audit-purge-confirm');
  // "Hủy": nothing sent, the button back.
  await page.getByTestId('audit-purge-cancel').click();
  await expect(confirm).toHaveCount(0);
  await expect(page.getByTestId('audit-purge')).toBeFocused();
  await expect(page.getByTestId('audit-purge-result')).toHaveCount(0);

  await page.getByTestId('audit-purge').click();
  await page.getByTestId('audit-purge-confirm-button').click();
  await expect(page.getByTestId('audit-purge-result')).toHaveText('Không có dòng nào quá hạn.');
  await expect(confirm).toHaveCount(0);
  // Nothing removed: the head moves by exactly the row that records the attempt, and the chain is whole.
  const seqBefore = Number(before!.split(':')[0]);
  await expect(page.getByTestId('audit-head-value')).toHaveText(new RegExp(`^${seqBefore + 1}:[0-9a-f]{64}$`, 'u'));
  const last = await page.request.post('/api/audit/recent', { data: { limit: 1 }, headers: auth });
  expect((await last.json()).value[0]).toMatchObject({ seq: seqBefore + 1, action: 'audit.purge', outcome: 'ok', detail: { purged: 0 } });
  await page.getByTestId('audit-verify').click();
  await expect(page.getByTestId('audit-verify-report')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('audit-verify-summary')).toHaveText(/^Nhật ký toàn vẹn: [\d.]+ dòng, đầu chuỗi \d+:[0-9a-f]{64}$/u);
  await shot(page.getByTestId('audit-integrity'), info, 'audit-purge-nothing');

  // Out of range: the translated reason at the field, nothing saved.
  await openSettings(page);
  await expect(retention).toHaveValue('6');
  await retention.fill('3');
  await page.getByTestId('settings-save').click();
  const fieldError = page.getByTestId('field-error-settings.audit.retentionMonths');
  await expect(fieldError).toHaveText('Thời gian lưu tối thiểu là 6 tháng.');
  await expect(retention).toHaveAttribute('aria-invalid', 'true');
  await expect(retention).toBeFocused();
  await expect(page.getByTestId('settings-error')).toContainText('Kiểm tra lại trường được đánh dấu.');
  await expect(page.getByTestId('settings-saved')).toHaveCount(0);
  expect(await savedRetention(page)).toBe(6);
  await shot(page.getByTestId('settings-audit'), info, 'settings-audit-retention-too-short');
  await retention.fill('121');
  await page.getByTestId('settings-save').click();
  await expect(fieldError).toHaveText('Thời gian lưu tối đa là 120 tháng.');
  expect(await savedRetention(page)).toBe(6);
});

test('the head: "Tải về" saves dau-chuoi-nhat-ky-<seq>.txt with the current seq and hash; "In" prints only that block', async ({ page }, info) => {
  await signInAs(page, 'giamsat01', 'Võ Thanh Tâm');
  await openAuditView(page);
  const head = await apiHead(page);
  await expect(page.getByTestId('audit-head-value')).toHaveText(`${head.seq}:${head.hash}`);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-head-download').click()]);
  expect(download.suggestedFilename()).toBe(`dau-chuoi-nhat-ky-${head.seq}.txt`);
  const text = readFileSync((await download.path())!, 'utf8');
  expect(text.startsWith('\uFEFF')).toBe(true);
  const lines = text.slice(1).split('\r\n');
  expect(lines.at(-1)).toBe('');
  expect(lines.slice(0, -1)).toEqual([
    'Đầu chuỗi nhật ký kiểm tra Helpdesk',
    `Số thứ tự: ${head.seq}`,
    `Mã băm: ${head.hash}`,
    expect.stringMatching(/^Thời điểm: \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2} \(giờ Việt Nam\)$/u),
    `Nhập khi kiểm tra: ${head.seq}:${head.hash}`,
  ]);
  // The file names no agency (the head is the same for whoever keeps it).
  expect(text).not.toMatch(/Sở|So TTTT|Tong dai/u);
  await info.attach('dau-chuoi-nhat-ky.txt', { body: text, contentType: 'text/plain' });

  // "In": window.print (stubbed here: no dialog in a test) with only the head's block on paper.
  await page.evaluate(() => {
    const w = window as unknown as { printed: number };
    w.printed = 0;
    window.print = () => {
      w.printed++;
    };
  });
  await page.getByTestId('audit-head-print-button').click();
  await expect.poll(() => page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);
  const block = page.getByTestId('audit-head-print');
  await expect(block).toBeHidden(); // on screen: only the app
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('#app')).toBeHidden();
  await expect(block).toBeVisible();
  await expect(block.locator('h1')).toHaveText('Đầu chuỗi nhật ký kiểm tra Helpdesk');
  await expect(block).toContainText(`Số thứ tự: ${head.seq}`);
  await expect(block).toContainText(`Mã băm: ${head.hash}`);
  await expect(block).toContainText(/Thời điểm: \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2} \(giờ Việt Nam\)/u);
  await shot(page, info, 'audit-head-print');
  // Once the print is over, printing shows the page again.
  await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  await expect(page.locator('#app')).toBeVisible();
  await expect(block).toBeHidden();
  await page.emulateMedia({ media: 'screen' });
});

test('auditor: the head can be downloaded, but there is no purge', async ({ page }) => {
  await signInAs(page, 'kiemtra01', 'Lê Thị Kim Oanh');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nhật ký kiểm tra');
  await expect(page.getByTestId('audit-head-value')).toHaveText(/^\d+:[0-9a-f]{64}$/u);
  await expect(page.getByTestId('audit-integrity')).toBeVisible();
  await expect(page.getByTestId('audit-purge')).toHaveCount(0);
  await expect(page.getByTestId('audit-purge-area')).toHaveCount(0);
  await expect(page.getByTestId('audit-integrity')).not.toContainText('Xóa nhật ký quá hạn');
  const head = await apiHead(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-head-download').click()]);
  expect(download.suggestedFilename()).toBe(`dau-chuoi-nhat-ky-${head.seq}.txt`);
  expect(readFileSync((await download.path())!, 'utf8')).toContain(`Mã băm: ${head.hash}`);
  // And the main process refuses a purge from this role, whatever the page shows.
  const r = await page.request.post('/api/audit/purge', { data: {}, headers: auth });
  expect(((await r.json()) as { ok: boolean; error?: { code: string } }).error?.code).toBe('ROLE_NOT_ALLOWED');
});
