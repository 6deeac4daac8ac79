import { test, expect } from "./fixtures";
import { staffSignIn, open, signIn, openAccount, askForAccess, confirmAndEnter, banner } from "./helpers";

test("Alex, an admin, adds a staff member who signs in, then changes their role and deactivates them", async ({ page, browser }) => {
  await staffSignIn(page, "alex.rivera@chaperone.test");
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Staff" }).click();
  await expect(page.getByRole("heading", { name: "Staff", level: 1 })).toBeVisible();
  // Alex's own row offers nothing to change.
  const own = page.getByRole("row").filter({ hasText: "alex.rivera@chaperone.test" });
  await expect(own).toContainText("another admin changes your account");
  await expect(own.getByRole("button")).toHaveCount(0);

  const add = page.getByRole("region", { name: "Add a staff member" });
  await add.getByLabel("Full name").fill("Rosa Park");
  await add.getByLabel("Work email").fill("rosa.park@chaperone.test");
  await add.getByLabel("Role").selectOption({ label: "Support agent" });
  await add.getByRole("button", { name: "Add" }).click();
  await expect(add.getByRole("status")).toContainText("Rosa Park can now sign in as rosa.park@chaperone.test");
  const password = (await add.locator("code.secret-once").textContent())!.trim();
  expect(password).toHaveLength(20);
  const row = page.getByRole("row").filter({ hasText: "rosa.park@chaperone.test" });
  await expect(row).toContainText("Support agent");

  // Rosa signs in with it, in her own browser.
  const rosaContext = await browser.newContext();
  const rosa = await rosaContext.newPage();
  await open(rosa, "/console/login");
  await signIn(rosa, "rosa.park@chaperone.test", password);
  // Alex knows that password: it opens nothing but the page where she
  // chooses her own, which she does.
  await expect(rosa).toHaveURL(/\/console\/password$/);
  await expect(rosa.locator(".who")).toContainText("Rosa Park");
  await expect(rosa.locator("body[data-hydrated]")).toHaveCount(1);
  await expect(rosa.getByRole("link", { name: "Choose your own password" })).toBeVisible();
  await expect(rosa.getByRole("heading", { name: "Your password" })).toBeVisible();
  await rosa.goto("/console/approvals");
  await expect(rosa).toHaveURL(/\/console\/password$/);
  const form = rosa.getByRole("form", { name: "Change your password" });
  await form.getByLabel("Current password").fill(password);
  await form.getByLabel("New password", { exact: true }).fill("rosa-own-password-1");
  await form.getByLabel("New password again").fill("rosa-own-password-1");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(rosa.getByText("Your password was changed.")).toBeVisible();
  await rosa.reload();
  await expect(rosa.getByRole("link", { name: "Choose your own password" })).toHaveCount(0);

  await row.getByLabel("Role for Rosa Park").selectOption({ label: "Senior agent" });
  await row.getByRole("button", { name: "Change Rosa Park's role" }).click();
  await expect(page.getByText("Their role is now Senior agent.")).toBeVisible();
  await expect(row).toContainText("Senior agent");

  // Deactivating asks first; Escape steps back with nothing changed.
  await row.getByRole("button", { name: "Deactivate Rosa Park" }).click();
  const ask = row.getByRole("group", { name: "Deactivate Rosa Park?" });
  await expect(ask).toContainText("Sign Rosa Park out now and end their access?");
  await expect(ask.getByRole("button", { name: "Yes, deactivate Rosa Park" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(ask).toHaveCount(0);
  await expect(row.getByRole("button", { name: "Deactivate Rosa Park" })).toBeFocused();
  await expect(row).toContainText("Active");
  await row.getByRole("button", { name: "Deactivate Rosa Park" }).click();
  await ask.getByRole("button", { name: "Yes, deactivate Rosa Park" }).click();
  await expect(page.getByText(/^Deactivated\./)).toBeVisible();
  await expect(row).toContainText("Deactivated");

  // Rosa's next request finds her signed out.
  await rosa.reload();
  await expect(rosa).toHaveURL(/\/console\/login/);
  await rosaContext.close();
});

test("Alex, an admin, ends a live support session from the staff list", async ({ page, browser }) => {
  const sarahContext = await browser.newContext();
  const sarah = await sarahContext.newPage();
  await staffSignIn(sarah, "sarah.lee@chaperone.test");
  await openAccount(sarah, "Acme Co");
  await askForAccess(sarah, "Tom Becker (Member)", "Read-only");
  await confirmAndEnter(sarah);
  await expect(banner(sarah)).toBeVisible();

  await staffSignIn(page, "alex.rivera@chaperone.test");
  await open(page, "/console/staff");
  const row = page.getByRole("row").filter({ hasText: "sarah.lee@chaperone.test" });
  await expect(row).toContainText("in a support session");
  await row.getByLabel("Why end Sarah Lee's session").fill("Ticket closed; the customer asked us to leave");
  await row.getByRole("button", { name: "End session" }).click();
  await expect(page.getByText("The session was ended.")).toBeVisible();
  await expect(row).not.toContainText("in a support session");

  // Sarah's next page finds her back in the console, told why.
  await sarah.reload();
  await expect(sarah).toHaveURL(/\/console\?ended=revoked_by_manager/);
  await expect(sarah.getByText("ended your support session")).toBeVisible();
  await expect(sarah.getByRole("status").filter({ hasText: "ended your support session" }))
    .toContainText("Their note: “Ticket closed; the customer asked us to leave”");
  await sarahContext.close();
});
