import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { auth, openAccount, shot, signInAs, signOutBeforeEach, token, unusedNguyens, verifyBySms } from './support';

// The audit view (supervisor, auditor) reads the audit of this E2E run: the rows the other specs wrote,
// and the case the supervisor test opens and closes here on an unused "nguyen" account (one code sent).

signOutBeforeEach();

/** The CSV export's header line (after the BOM), as the main process writes it. */
const CSV_HEADER = 'STT,Thời điểm (giờ Việt Nam),Người thực hiện,Thao tác,Kết quả,Tài khoản,Đơn vị,Yêu cầu hỗ trợ,Chi tiết';

/** Today in Vietnam, YYYY-MM-DD. */
function vnToday(): string {
  return new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
}

async function openAuditView(page: Page): Promise<void> {
  await page.getByTestId('nav-audit').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nhật ký kiểm tra');
  await expect(page.getByTestId('audit-row').first()).toBeVisible();
}

/** Filters the view by an account's username: every row shown is about that account. */
async function filterByAccount(page: Page, username: string): Promise<void> {
  await page.getByTestId('audit-account').fill(username);
  await page.getByTestId('audit-apply').click();
  await expect(page.getByTestId('audit-account-cell').first()).toHaveText(username);
  for (const cell of await page.getByTestId('audit-account-cell').all()) await expect(cell).toHaveText(username);
}

test('supervisor: a case shows up in the audit, filtered by its account, with its timeline; CSV export, integrity and head', async ({ page }, info) => {
  await signInAs(page, 'giamsat01', 'Võ Thanh Tâm');
  await expect(page.getByTestId('nav-audit')).toHaveText('Nhật ký kiểm tra');

  // Rows to find: a case opened on an unused account, verified by SMS, then closed ("Kết thúc").
  const account = (await unusedNguyens(page.request, (a) => !a.state.locked && !a.state.disabled)).at(-1);
  expect(account, 'an unused, unlocked "nguyen" account with a mobile').toBeDefined();
  const reason = 'Kiểm tra nhật ký — phiếu E2E-401';
  await openAccount(page, account!);
  await verifyBySms(page, reason, account!.mobile.masked!);
  // Nothing done on the account: "Kết thúc" asks once, the second press closes.
  await page.getByTestId('case-done').click();
  await page.getByTestId('case-done').click();
  await expect(page.getByTestId('verify-caller')).toHaveCount(0);

  await openAuditView(page);
  await filterByAccount(page, account!.username);
  const rows = page.getByTestId('audit-row');
  // Newest first: the case's close above its open.
  const actions = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')));
  for (const a of ['case.open', 'code.send', 'code.verify', 'case.close', 'directory.view']) expect(actions, a).toContain(a);
  expect(actions.indexOf('case.close')).toBeLessThan(actions.indexOf('code.verify'));
  expect(actions.indexOf('code.verify')).toBeLessThan(actions.indexOf('case.open'));
  await expect(page.getByTestId('audit-count')).toHaveText(`${actions.length} dòng`);
  const close = page.locator('[data-testid="audit-row"][data-action="case.close"]').first();
  await expect(close.getByTestId('audit-action-cell')).toHaveText('Đóng yêu cầu hỗ trợ');
  await expect(close.getByTestId('audit-outcome-badge')).toHaveText('Thành công');
  await expect(close.getByTestId('audit-operator-cell')).toHaveText('giamsat01');
  await expect(close.getByTestId('audit-at')).toHaveText(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/u);
  await shot(page, info, 'audit-filtered-by-account');

  // The case's timeline, in order: opened → code sent → verified → closed, with its details as text.
  await close.getByTestId('audit-timeline-open').click();
  const timeline = page.getByTestId('case-timeline');
  await expect(timeline.getByRole('heading')).toHaveText('Diễn biến yêu cầu hỗ trợ');
  // It opens above the table (issue #14 item 9), in view, not below the page's rows.
  const timelineBox = (await timeline.boundingBox())!;
  const tableBox = (await page.getByTestId('audit-row').first().boundingBox())!;
  expect(timelineBox.y + timelineBox.height).toBeLessThanOrEqual(tableBox.y);
  await expect(timeline.getByRole('heading')).toBeInViewport();
  await expect(timeline.getByTestId('timeline-action')).toHaveText(['Mở yêu cầu hỗ trợ', 'Gửi mã OTP', 'Nhập mã OTP', 'Đóng yêu cầu hỗ trợ']);
  const entries = timeline.getByTestId('timeline-entry');
  await expect(entries.first().getByTestId('timeline-reason')).toHaveText(reason);
  const sent = entries.nth(1);
  await expect(sent.getByTestId('timeline-channel')).toHaveText('Tin nhắn SMS');
  await expect(sent.getByTestId('timeline-destination')).toHaveText(account!.mobile.masked!);
  // The reason is the case's: said once, at the top.
  await expect(sent.getByTestId('timeline-reason')).toHaveCount(0);
  await expect(entries.last().getByTestId('timeline-outcome')).toHaveText('Hoàn tất');
  await shot(timeline, info, 'audit-case-timeline');
  await timeline.getByTestId('timeline-close').click();
  await expect(timeline).toHaveCount(0);

  // Export: a file name proposed; the main process puts the file in its export folder (never the page's choice).
  const appInfo = (await (await page.request.post('/api/app/info', { data: {}, headers: auth })).json()) as { value: { exportDir: string } };
  const exportName = page.getByTestId('audit-export-file-name');
  await expect(exportName).toHaveValue(`nhat-ky-kiem-tra-${vnToday()}.csv`);
  const dir = appInfo.value.exportDir;
  const stem = `nhat-ky-${randomBytes(4).toString('hex')}`;
  const csvPath = join(dir, `${stem}.csv`);
  await exportName.fill(`${stem}.csv`);
  await page.getByTestId('audit-export-csv').click();
  await expect(page.getByTestId('audit-export-done')).toHaveText(`Đã xuất ${actions.length} dòng vào ${csvPath}`);
  const csv = readFileSync(csvPath, 'utf8');
  expect(csv.startsWith('\uFEFF')).toBe(true);
  const lines = csv.slice(1).split('\r\n').filter((l) => l !== '');
  expect(lines[0]).toBe(CSV_HEADER);
  expect(lines).toHaveLength(actions.length + 1);
  expect(csv).toContain(account!.username);
  // The same filter as XLSX: the extension follows the button.
  await page.getByTestId('audit-export-xlsx').click();
  await expect(exportName).toHaveValue(`${stem}.xlsx`);
  await expect(page.getByTestId('audit-export-done')).toHaveText(`Đã xuất ${actions.length} dòng vào ${join(dir, `${stem}.xlsx`)}`);
  expect(readFileSync(join(dir, `${stem}.xlsx`)).subarray(0, 2).toString('latin1')).toBe('PK');
  // The same name again: never written over; the file stays as it was.
  await page.getByTestId('audit-export-csv').click();
  await expect(page.getByTestId('audit-export-error')).toContainText('Đã có tệp trùng tên ở đó: ứng dụng không ghi đè');
  expect(readFileSync(csvPath, 'utf8')).toBe(csv);
  await shot(page.getByTestId('audit-export'), info, 'audit-export-error');
  // A path instead of a name (another folder chosen by the page): refused at the field.
  await exportName.fill(join(mkdtempSync(join(tmpdir(), 'helpdesk-e2e-audit-')), 'nhat-ky.csv'));
  await page.getByTestId('audit-export-csv').click();
  await expect(page.getByTestId('field-error-fileName')).toHaveText('Sai định dạng.');

  // The head, and the integrity check (supervisor only).
  const head = page.getByTestId('audit-head-value');
  await expect(head).toHaveText(/^\d+:[0-9a-f]{64}$/u);
  await expect(page.getByTestId('audit-head')).toContainText('Lưu đầu chuỗi này ở nơi khác (in ra, gửi kèm công văn) để phát hiện việc cắt bớt nhật ký');
  // The clipboard refused, as in the desktop app (every permission denied): the head is selected for Ctrl+C.
  await page.evaluate(() => Object.defineProperty(navigator, 'clipboard', { value: { writeText: () => Promise.reject(new Error('denied')) }, configurable: true }));
  await page.getByTestId('audit-head-copy').click();
  await expect(page.getByTestId('audit-head-copied')).toHaveText('Đã chọn sẵn: nhấn Ctrl+C để sao chép');
  expect(await page.evaluate(() => window.getSelection()?.toString())).toBe(await head.textContent());
  await page.getByTestId('audit-verify').click();
  const summary = page.getByTestId('audit-verify-summary');
  await expect(summary).toHaveText(/^Nhật ký toàn vẹn: [\d.]+ dòng, đầu chuỗi \d+:[0-9a-f]{64}$/u);
  await expect(page.getByTestId('audit-verify-report')).toHaveAttribute('data-ok', 'true');
  await shot(page.getByTestId('audit-integrity'), info, 'audit-integrity-ok');

  // Against the head kept earlier: still whole. Against a head further on: rows cut from the end.
  const kept = (await head.textContent())!;
  await page.getByTestId('audit-verify-head').fill(kept);
  await page.getByTestId('audit-verify').click();
  await expect(page.getByTestId('audit-verify-report')).toHaveAttribute('data-ok', 'true');
  const [seq, hash] = kept.split(':');
  await page.getByTestId('audit-verify-head').fill(`${Number(seq) + 1000}:${hash}`);
  await page.getByTestId('audit-verify').click();
  await expect(page.getByTestId('audit-verify-report')).toHaveAttribute('data-ok', 'false');
  await expect(summary).toHaveText('Nhật ký KHÔNG toàn vẹn: 1 vấn đề');
  await expect(page.getByTestId('audit-verify-first-bad')).toContainText('bị cắt bớt phần cuối so với đầu chuỗi đã lưu');
  await shot(page.getByTestId('audit-integrity'), info, 'audit-integrity-truncated');
  // A head that is not seq:hash is refused here, before anything is sent.
  await page.getByTestId('audit-verify-head').fill('12:abc');
  await page.getByTestId('audit-verify').click();
  await expect(page.getByTestId('field-error-head')).toHaveText('Đầu chuỗi phải có dạng số:mã (mã gồm 64 ký tự 0–9, a–f).');
});

test('a reversed date range: the translated message at "Đến ngày", the rows shown stay; pages go forward and back', async ({ page }, info) => {
  await signInAs(page, 'giamsat01', 'Võ Thanh Tâm');
  // More than a page of rows, whatever ran before: every search is audited.
  for (let i = 0; i < 55; i++) {
    const r = await page.request.post('/api/directory/search', { data: { query: 'annv', kind: 'username' }, headers: auth });
    expect((await r.json()).ok).toBe(true);
  }
  await openAuditView(page);
  const rows = page.getByTestId('audit-row');
  const count = page.getByTestId('audit-count');
  await expect(count).toHaveText(/^[\d.]+ dòng$/u);
  expect(Number((await count.textContent())!.replace(/\D/gu, ''))).toBeGreaterThan(55);

  // Pages of 50, newest first; only the page shown is in the DOM; back along the cursors.
  await expect(rows).toHaveCount(50);
  const firstSeq = Number(await rows.first().getAttribute('data-seq'));
  const lastSeq = Number(await rows.last().getAttribute('data-seq'));
  await expect(page.getByTestId('audit-previous')).toBeDisabled();
  await page.getByTestId('audit-next').click();
  await expect(page.getByTestId('audit-page')).toHaveText('Trang 2');
  expect(Number(await rows.first().getAttribute('data-seq'))).toBeLessThan(lastSeq);
  expect(await rows.count()).toBeLessThanOrEqual(50);
  await page.getByTestId('audit-previous').click();
  await expect(page.getByTestId('audit-page')).toHaveText('Trang 1');
  await expect(page.getByTestId('audit-previous')).toBeDisabled();
  await expect(rows.first()).toHaveAttribute('data-seq', String(firstSeq));
  await expect(rows).toHaveCount(50);
  const shown = await count.textContent();

  await page.getByTestId('audit-from').fill(vnToday());
  await page.getByTestId('audit-to').fill('2020-01-01');
  await page.getByTestId('audit-apply').click();
  await expect(page.getByTestId('field-error-filter.to')).toHaveText('“Đến ngày” phải sau hoặc bằng “Từ ngày”.');
  await expect(page.getByTestId('audit-to')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('audit-to')).toBeFocused();
  await expect(count).toHaveText(shown!);
  await expect(rows.first()).toHaveAttribute('data-seq', String(firstSeq));
  await shot(page, info, 'audit-reversed-range');

  // Corrected: today only, the error gone.
  await page.getByTestId('audit-to').fill(vnToday());
  await page.getByTestId('audit-apply').click();
  await expect(page.getByTestId('field-error-filter.to')).toHaveCount(0);
  await expect(rows.first()).toBeVisible();

  // A filter nothing matches: said so, no table.
  await page.getByTestId('audit-account').fill('khong-co-tai-khoan-nay');
  await page.getByTestId('audit-apply').click();
  await expect(page.getByTestId('audit-empty')).toContainText('Không có dòng nào khớp bộ lọc.');
  await expect(count).toHaveText('0 dòng');
  await expect(rows).toHaveCount(0);
});

test('auditor: lands on the audit view, filters by operator, sees the head and runs the integrity check; no purge, no desk', async ({ page }, info) => {
  await signInAs(page, 'kiemtra01', 'Lê Thị Kim Oanh');
  await expect(page.getByTestId('operator-roles')).toHaveText('Kiểm tra viên');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nhật ký kiểm tra');
  expect(page.url()).toMatch(/#\/audit$/u);
  await expect(page.getByTestId('nav-audit')).toBeVisible();
  await expect(page.getByTestId('nav-search')).toHaveCount(0);
  await expect(page.getByTestId('nav-outbox')).toHaveCount(0);

  await page.getByTestId('audit-operator').fill('giamsat01');
  await page.getByTestId('audit-action').selectOption('case.close');
  await page.getByTestId('audit-apply').click();
  await expect(page.getByTestId('audit-row').first()).toBeVisible();
  // The old page stays on screen while the filtered one loads: wait until only filtered rows are shown.
  await expect
    .poll(async () => [...new Set(await page.getByTestId('audit-operator-cell').allTextContents())])
    .toEqual(['giamsat01']);
  await expect.poll(async () => [...new Set(await page.getByTestId('audit-action-cell').allTextContents())]).toEqual(['Đóng yêu cầu hỗ trợ']);

  await expect(page.getByTestId('audit-head-value')).toHaveText(/^\d+:[0-9a-f]{64}$/u);
  // The independent reviewer checks the chain too; only the purge stays the supervisor's.
  await page.getByTestId('audit-verify').click();
  await expect(page.getByTestId('audit-verify-summary')).toHaveText(/^Nhật ký toàn vẹn: [\d.]+ dòng, đầu chuỗi \d+:[0-9a-f]{64}$/u);
  await expect(page.getByTestId('audit-verify-report')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('audit-purge-area')).toHaveCount(0);
  await shot(page, info, 'audit-auditor');

  // The desk by its address: back to the audit view.
  await page.goto(`/?token=${token}#/search`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nhật ký kiểm tra');
  await expect(page.getByTestId('search-input')).toHaveCount(0);
});
