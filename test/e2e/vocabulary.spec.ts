import { expect, type Page, test } from '@playwright/test';
import { TERMS } from '../../src-main/common/glossary';
import { shot, signInAs, signOutBeforeEach } from './support';

// Issue #14 item 7: one vocabulary on every screen, read as the operator reads it — the visible text of
// the main screens in Vietnamese holds none of the forms the glossary replaces, no raw id (camelCase,
// dotted action names) and no encoding name.

signOutBeforeEach();

const REPLACED = Object.values(TERMS).flatMap((t) => t.replaces);

/** The page's visible text, without the Outbox's message bodies (what the caller receives: codes, temporary passwords). */
async function visibleText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const hidden = [...document.querySelectorAll<HTMLElement>('[data-testid="outbox-text"], [data-testid="outbox-html"]')];
    for (const el of hidden) el.style.visibility = 'hidden';
    const text = document.body.innerText;
    for (const el of hidden) el.style.visibility = '';
    return text;
  });
}

function problems(screen: string, text: string): string[] {
  const lower = text.toLowerCase();
  const found = REPLACED.filter((form) => lower.includes(form)).map((form) => `${screen}: “${form}”`);
  // Words an administrator must recognise as they are (a directory attribute, gateway and protocol names).
  const words = text.replace(/\S+@\S+|\S+:\/\/\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:vn|com|net|org)\b|\b(?:pwdMustChange|telephoneNumber|eSMS(?:\.vn)?|SpeedSMS|StartTLS)\b/gu, ' ');
  // A raw id: camelCase (invalidCredentials), a dotted action name (code.send), an encoding name.
  for (const m of words.matchAll(/\b(?:[a-z]{2,}(?:[A-Z][a-z]+)+|[a-z]+\.[a-z]+(?:-[a-z]+)?|GSM-7|UCS-2)\b/gu)) {
    found.push(`${screen}: raw “${m[0]}”`);
  }
  return found;
}

test('the screens a supervisor uses say one word for one thing, and no raw id', async ({ page }, info) => {
  await signInAs(page, 'giamsat01', 'Võ Thanh Tâm');
  const seen: string[] = [];
  const check = async (screen: string) => {
    await page.waitForTimeout(200);
    seen.push(...problems(screen, await visibleText(page)));
    await shot(page, info, `vocabulary-${screen.replace(/\W+/gu, '-')}`);
  };

  await page.getByTestId('search-input').fill('nguyen van');
  await expect(page.getByTestId('result-row').first()).toBeVisible();
  await check('search');
  await page.getByTestId('search-input').fill('cuonglh');
  await page.getByTestId('result-row').first().click();
  await expect(page.getByTestId('account-panel')).toBeVisible();
  await check('account panel');
  await page.getByTestId('account-panel').getByTestId('action-verify').click();
  await check('case: reason');
  await page.getByTestId('case-back').click();

  for (const [nav, screen] of [
    ['nav-outbox', 'outbox'],
    ['nav-audit', 'audit'],
    ['nav-dashboards', 'dashboards'],
    ['nav-settings', 'settings'],
  ] as const) {
    await page.getByTestId(nav).click();
    await check(screen);
  }
  console.log(`[vocabulary] screens read: search, account panel, case, outbox, audit, dashboards, settings; problems: ${seen.length}`);
  expect(seen).toEqual([]);
});
