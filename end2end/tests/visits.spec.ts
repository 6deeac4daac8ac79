// Runs last (files run in name order): its support session would otherwise
// be waiting in the review queue other specs expect empty.
// Every page each kind of user can reach from their navigation, opened in
// turn: each must come alive (its islands hydrate) without an error, and
// the fixtures check each for accessibility and a WASM panic on the way.
import { test, expect, Page } from "./fixtures";
import { open, signIn, staffSignIn, openAccount, askForAccess, confirmAndEnter, banner } from "./helpers";

async function visitEveryLink(page: Page, navName: string) {
  const nav = page.getByRole("navigation", { name: navName });
  const hrefs = await nav.getByRole("link").evaluateAll((links) =>
    links.map((a) => (a as HTMLAnchorElement).getAttribute("href") ?? ""),
  );
  const local = [...new Set(hrefs.filter((h) => h.startsWith("/")))];
  expect(local.length, `links in ${navName}`).toBeGreaterThan(2);
  for (const href of local) {
    const res = await page.goto(href);
    expect(res?.status(), href).toBeLessThan(400);
    await expect(page.locator("body[data-hydrated]"), href).toHaveCount(1);
    await expect(page.getByRole("heading", { level: 1 }), href).toHaveCount(1);
  }
}

for (const email of ["maya.chen@chaperone.test", "alex.rivera@chaperone.test", "omar.haddad@chaperone.test"]) {
  test(`${email} opens every console page in their navigation`, async ({ page }) => {
    await staffSignIn(page, email);
    await visitEveryLink(page, "Console");
  });
}

for (const email of ["jane@acme.test", "tom@acme.test"]) {
  test(`${email} opens every product page in their navigation`, async ({ page }) => {
    await open(page, "/login");
    await signIn(page, email);
    await expect(page).toHaveURL(/\/app$/);
    await visitEveryLink(page, "Billfold");
  });
}

test("an agent in a read-only session opens every product page under the banner, then ends it", async ({ page }) => {
  await staffSignIn(page, "sarah.lee@chaperone.test");
  await openAccount(page, "Northwind Traders");
  await askForAccess(page, "Laura Callahan (Member)", "Read-only");
  await expect(page.getByRole("status").first()).toContainText("Allowed without approval. Confirm your password to enter.");
  await confirmAndEnter(page);
  await visitEveryLink(page, "Billfold");
  await expect(banner(page)).toContainText("viewing as Laura Callahan (Member)");
  await banner(page).getByRole("button", { name: "End session" }).click();
  await expect(page).toHaveURL(/\/console\?ended=ended_by_agent$/);
});
