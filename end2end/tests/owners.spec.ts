import { test, expect } from "./fixtures";
import { staffSignIn, openAccount, askForAccess, open, signIn } from "./helpers";

test("Initech asks its owner first: Bill approves Sarah's visit from the app, and her waiting page moves on", async ({ page, browser }) => {
  await staffSignIn(page, "sarah.lee@chaperone.test");
  await openAccount(page, "Initech");
  await askForAccess(page, "Peter Gibbons (Member)", "Read-only");
  await expect(page.getByRole("status").first()).toContainText("Waiting for an owner of the account to approve.");

  const billContext = await browser.newContext();
  const bill = await billContext.newPage();
  await open(bill, "/login");
  await signIn(bill, "bill@initech.test");
  await expect(bill).toHaveURL(/\/app$/);
  await expect(bill.locator("body[data-hydrated]")).toHaveCount(1);
  await bill.getByRole("navigation", { name: "Billfold" }).getByRole("link", { name: "Support history" }).click();
  const waiting = bill.getByRole("region", { name: "Waiting for your approval" });
  const request = waiting.getByRole("article", { name: "Request from Sarah Lee from Support" });
  await expect(request).toContainText("asks to enter as Peter Gibbons (Read-only)");
  await expect(request).toContainText("Ticket #4821");
  await request.getByRole("button", { name: "Approve this visit" }).click();
  await expect(bill.getByText(/Approved\. Sarah Lee from Support may enter once/)).toBeVisible();
  await expect(waiting).toHaveCount(0);
  await billContext.close();

  await expect(page.getByRole("status").first()).toContainText("Approved. Confirm your password to enter.", { timeout: 15_000 });
});

test("Removing a team member asks first, and Escape steps back", async ({ page }) => {
  await open(page, "/login");
  await signIn(page, "bill@initech.test");
  await expect(page).toHaveURL(/\/app$/);
  await open(page, "/app/team");
  const row = page.getByRole("row", { name: /Peter Gibbons/ });
  await row.getByRole("button", { name: "Remove Peter Gibbons" }).click();
  const ask = page.getByRole("group", { name: "Remove Peter Gibbons from the team? They can no longer sign in." });
  await expect(ask.getByRole("button", { name: "Yes" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(ask).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole("row", { name: /Peter Gibbons/ })).toBeVisible();
});
