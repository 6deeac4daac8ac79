import { test, expect, Page } from "./fixtures";
import { open, signIn } from "./helpers";

async function signInAsCustomer(page: Page, email: string) {
  await open(page, "/login");
  await signIn(page, email);
  await expect(page).toHaveURL(/\/app$/);
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
}

const nav = (page: Page) => page.getByRole("navigation", { name: "Billfold" });

test("a member opens an invoice from the list and sees its tax", async ({ page }) => {
  await signInAsCustomer(page, "tom@acme.test");
  await expect(page.getByRole("heading", { name: "Acme Co" })).toBeVisible();
  await expect(page.getByText("(not done yet)").first()).toBeVisible();

  await nav(page).getByRole("link", { name: "Invoices" }).click();
  await expect(page).toHaveURL(/\/app\/billing\/invoices$/);
  const euRow = page.getByRole("row").filter({ hasText: "EU" }).first();
  await expect(euRow).toContainText("20%");
  await euRow.getByRole("link").click();

  await expect(page).toHaveURL(/\/app\/billing\/invoices\/[0-9a-f-]+$/);
  await expect(page.getByRole("heading", { name: /^Invoice INV-/ })).toBeVisible();
  await expect(page.getByRole("rowheader", { name: "Tax (20%)" })).toBeVisible();
  await expect(page.getByRole("rowheader", { name: "Total", exact: true })).toBeVisible();
  // Members cannot download exports: the button is not offered.
  await page.goBack();
  await expect(page.getByRole("button", { name: "Download invoices (CSV)" })).toHaveCount(0);
  // Typing the tokens page's address gets the reason, and no form to fill.
  await open(page, "/app/developers/tokens");
  await expect(page.getByText("Only owners and admins can manage API tokens.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Create token" })).toHaveCount(0);
  await expect(page.getByLabel("Token name")).toHaveCount(0);
});

test("an owner changes a workspace's tax rate", async ({ page }) => {
  await signInAsCustomer(page, "olivia@blue-harbor-logistics.test");
  await nav(page).getByRole("link", { name: "Tax settings" }).click();
  await expect(page.getByRole("heading", { name: "Tax settings" })).toBeVisible();

  const rate = page.getByLabel("Tax rate for Main (%)");
  await expect(rate).toHaveValue("20");
  await rate.fill("150");
  await page.getByRole("button", { name: "Save tax rule for Main" }).click();
  await expect(page.getByRole("alert")).toContainText("between 0% and 100%");

  await page.getByLabel("Tax rate for Main (%)").fill("10");
  await page.getByRole("button", { name: "Save tax rule for Main" }).click();
  await expect(page.locator("p.ok")).toContainText("Main now uses 10% (EU) for new invoices");
  await expect(page.getByRole("row", { name: /Main/ })).toContainText("10%");
});

test("a user turns a notification on and it stays on", async ({ page }) => {
  await signInAsCustomer(page, "laura@northwind.test");
  await nav(page).getByRole("link", { name: "Notifications" }).click();
  const digest = page.getByRole("checkbox", { name: "Weekly digest" });
  await expect(digest).not.toBeChecked();
  await digest.check();
  await expect(page.getByText("“Weekly digest” is on.")).toBeVisible();
  await page.reload();
  await expect(page.getByRole("checkbox", { name: "Weekly digest" })).toBeChecked();
});

test("an admin creates an API token, sees it once, and revokes it", async ({ page }) => {
  await signInAsCustomer(page, "andrew@northwind.test");
  await nav(page).getByRole("link", { name: "API tokens" }).click();
  await page.getByLabel("Token name").fill("Nightly sync");
  await page.getByRole("button", { name: "Create token" }).click();

  const token = page.getByLabel("New token");
  await expect(token).toHaveText(/^bf_[A-Za-z0-9]{32}$/);
  const value = (await token.textContent()) ?? "";
  const row = page.getByRole("row", { name: /Nightly sync/ });
  await expect(row).toContainText("••••" + value.slice(-2));

  await page.getByRole("button", { name: "Revoke Nightly sync" }).click();
  await expect(page.getByRole("status").filter({ hasText: "is revoked" })).toBeVisible();
  await expect(page.getByRole("row", { name: /Nightly sync/ })).toContainText("Revoked");

  // Seen once: a fresh page shows only the last two characters.
  await page.reload();
  await expect(page.getByText(value)).toHaveCount(0);
});

test("a billing admin downloads the invoices as CSV", async ({ page }) => {
  await signInAsCustomer(page, "ana@acme.test");
  await nav(page).getByRole("link", { name: "Invoices" }).click();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download invoices (CSV)" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("acme-co-invoices.csv");
  const path = await download.path();
  const fs = await import("fs");
  const text = fs.readFileSync(path!, "utf8");
  expect(text.split("\r\n")[0]).toBe('"Invoice","Workspace","Issued","Status","Bill to","Subtotal","Tax rate","Tax","Total"');
  expect(text).toContain('"20%"');
});

test("search finds invoices, orders and members of the account only", async ({ page }) => {
  await signInAsCustomer(page, "jane@acme.test");
  await page.getByRole("searchbox", { name: "Search", exact: true }).fill("Ana");
  await page.getByRole("searchbox", { name: "Search", exact: true }).press("Enter");
  await expect(page).toHaveURL(/\/app\/search\?q=Ana/);
  await expect(page.getByRole("listitem").filter({ hasText: "Ana Silva" })).toBeVisible();
  await page.getByLabel("Search invoices, orders and members").fill("Globex");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByText("Nothing matches.")).toBeVisible();
});

test("a user chooses the time zone their pages show times in", async ({ page }) => {
  await signInAsCustomer(page, "nancy@northwind.test");
  await open(page, "/app/profile");
  const zone = page.getByLabel("Show times in");
  await zone.selectOption("Asia/Tokyo");
  await page.getByRole("button", { name: "Save time zone" }).click();
  await expect(page.getByText("Times are now shown in Asia/Tokyo.")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Show times in")).toHaveValue("Asia/Tokyo");
});
