import { expect, test } from '@playwright/test';
import { shot, signIn, signOutBeforeEach } from './support';

// Issue #14 item 6: name results at 1366×768 — at least 10 rows in view, each with what tells namesakes
// apart (username, unit, title where the directory has one, the mobile's last digits); namesakes flagged;
// Enter never opens a namesake that was not chosen.

signOutBeforeEach();
test.use({ viewport: { width: 1366, height: 768 } });

test('a name search shows at least 10 rows in view, each with username, unit and mobile; the figure is printed', async ({ page }, info) => {
  await signIn(page);
  await page.getByTestId('search-input').fill('nguyen van');
  const rows = page.getByTestId('result-row');
  await expect(rows.nth(10)).toBeAttached();
  const vp = page.viewportSize()!;
  const column = (await page.locator('.search-results').boundingBox())!;
  const bottom = Math.min(vp.height, column.y + column.height);
  let inView = 0;
  for (const box of await rows.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as DOMRect))) {
    if (box.top >= 0 && box.bottom <= bottom) inView++;
  }
  const line = `[namesakes] "nguyen van" at 1366×768: ${inView} result rows wholly in view without scrolling (of ${await rows.count()})`;
  console.log(line);
  await info.attach('rows-in-view', { body: line, contentType: 'text/plain' });
  expect(inView).toBeGreaterThanOrEqual(10);
  // Every row says who it is beyond the name.
  const first = rows.first().getByTestId('result-facts');
  await expect(first).toContainText(/[a-z0-9]/u);
  for (const facts of await page.getByTestId('result-facts').evaluateAll((els) => els.map((e) => e.children.length))) {
    expect(facts).toBeGreaterThanOrEqual(3); // username · unit · (title ·) mobile
  }
  await shot(page, info, 'namesakes-ten-rows');
});

test('namesakes are flagged; Enter asks to choose instead of opening one; arrows then Enter open the one chosen', async ({ page }, info) => {
  await signIn(page);
  const input = page.getByTestId('search-input');
  await input.fill('nguyen van khanh');
  const rows = page.getByTestId('result-row');
  await expect(rows).toHaveCount(3);
  await expect(page.getByTestId('result-namesake')).toHaveCount(3);
  await expect(rows.first().getByTestId('result-namesake')).toHaveText('Trùng tên');
  // Three different people: their facts differ.
  const facts = await page.getByTestId('result-facts').allInnerTexts();
  expect(new Set(facts).size).toBe(3);

  await input.press('Enter');
  await expect(page.getByTestId('namesakes-asked')).toContainText('3 người cùng tên “Nguyễn Văn Khánh”');
  await expect(page.getByTestId('account-panel')).toHaveCount(0);
  // Pressed again, still nothing opens unchosen.
  await input.press('Enter');
  await expect(page.getByTestId('account-panel')).toHaveCount(0);
  await shot(page, info, 'namesakes-enter-asks');

  // Under the mouse is not chosen either.
  await rows.nth(2).hover();
  await input.press('Enter');
  await expect(page.getByTestId('account-panel')).toHaveCount(0);

  const second = await rows.nth(1).getByTestId('result-username').innerText();
  await input.press('ArrowUp'); // from the row under the mouse to the second: chosen
  await expect(page.getByTestId('namesakes-asked')).toHaveCount(0);
  await input.press('Enter');
  await expect(page.getByTestId('account-panel').getByTestId('account-username')).toHaveText(second);

  // A unique name still opens with Enter at once.
  await input.fill('');
  await input.fill('binhtt');
  await expect(rows).toHaveCount(1);
  await expect(page.getByTestId('result-namesake')).toHaveCount(0);
  await input.press('Enter');
  await expect(page.getByTestId('account-panel').getByTestId('account-username')).toHaveText('binhtt');
});
