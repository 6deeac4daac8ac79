import { test, expect } from "./fixtures";
import { staffSignIn, openAccount, askForAccess, confirmAndEnter, banner, nav, open, signIn } from "./helpers";

test("Sarah views Acme Co as Tom, read-only, under the banner, and ends the session", async ({ page, context }) => {
  await staffSignIn(page, "sarah.lee@chaperone.test");
  await openAccount(page, "Acme Co");

  // A vague reason is refused at the form with a hint.
  await page.getByLabel("View as").selectOption({ label: "Tom Becker (Member)" });
  await page.getByLabel("Reason").fill("check issue");
  await page.getByLabel("Ticket reference").fill("#4821");
  await page.getByRole("button", { name: "Request access" }).click();
  await expect(page.getByRole("alert")).toContainText("does not say why you need access");

  await askForAccess(page, "Tom Becker (Member)", "Read-only");
  await expect(page.getByRole("status").first()).toContainText("Allowed without approval. Confirm your password to enter.");
  // A wrong password is refused; the field is emptied and ready again.
  await expect(page.getByLabel("Password")).toBeFocused();
  await page.getByLabel("Password").fill("not-her-password");
  await page.getByRole("button", { name: "Confirm and enter" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await expect(page.getByLabel("Password")).toHaveValue("");
  await expect(page.getByLabel("Password")).toBeFocused();
  await confirmAndEnter(page);

  await expect(banner(page)).toContainText("Acme Co");
  await expect(banner(page)).toContainText("viewing as Tom Becker (Member)");
  await expect(banner(page)).toContainText("Read-only");
  await expect(banner(page)).toContainText("Ticket #4821");
  await expect(banner(page)).toContainText(/Time left 1[45]:\d\d/);

  // Three pages reached by clicking links; the banner stays.
  await nav(page).getByRole("link", { name: "Invoices" }).click();
  await expect(page.getByRole("heading", { name: "Invoices" })).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: "EU" }).first()).toContainText("20%");
  await expect(banner(page)).toBeVisible();
  await nav(page).getByRole("link", { name: "Orders" }).click();
  await expect(page.getByRole("heading", { name: "Orders" })).toBeVisible();
  await expect(banner(page)).toBeVisible();
  await nav(page).getByRole("link", { name: "Notifications" }).click();
  await expect(page.getByRole("heading", { name: "Notifications" })).toBeVisible();
  await expect(banner(page)).toBeVisible();

  // Changing a setting is refused on the server.
  await page.getByRole("checkbox", { name: "Weekly digest" }).click();
  await expect(page.getByRole("alert")).toContainText("This support session is read-only");
  // The switch goes back: it shows what is stored, not what was refused.
  await expect(page.getByRole("checkbox", { name: "Weekly digest" })).not.toBeChecked();
  await page.reload();
  await expect(page.getByRole("checkbox", { name: "Weekly digest" })).not.toBeChecked();

  // A second tab on the product, left open.
  const tab = await context.newPage();
  await open(tab, "/app/orders");
  await expect(banner(tab)).toBeVisible();

  await banner(page).getByRole("button", { name: "End session" }).click();
  await expect(page).toHaveURL(/\/console\?ended=ended_by_agent$/);
  await expect(page.getByText("You ended the support session.")).toBeVisible();
  await expect(banner(page)).toHaveCount(0);

  // The other tab notices within seconds, and Back leads to the same words.
  await expect(tab).toHaveURL(/\/console\?ended=ended_by_agent$/, { timeout: 15_000 });
  await expect(tab.getByText("You ended the support session.")).toBeVisible();
  await tab.close();
  await page.goBack();
  await expect(page).toHaveURL(/\/console\?ended=ended_by_agent$/);
  await expect(page.getByText("You ended the support session.")).toBeVisible();
});

test("Priya gets edit access with a manager's approval and fixes the EU tax rate", async ({ page, browser }) => {
  await staffSignIn(page, "priya.nair@chaperone.test");
  await openAccount(page, "Acme Co");
  await askForAccess(page, "Jane Doe (Owner)", "Edit");
  await expect(page.getByRole("status").first()).toContainText("Waiting for a manager's approval.");
  const requestUrl = page.url();

  // Maya, a manager, approves in her own browser.
  const managerContext = await browser.newContext();
  const maya = await managerContext.newPage();
  await staffSignIn(maya, "maya.chen@chaperone.test");
  await maya.goto(requestUrl);
  await expect(maya.locator("body[data-hydrated]")).toHaveCount(1);
  await maya.getByLabel("Note").fill("Approved for the EU tax fix");
  await maya.getByRole("button", { name: "Approve" }).click();
  await expect(maya.getByText("The request was approved.")).toBeVisible();
  await managerContext.close();

  // Priya's page moves on by itself.
  await expect(page.getByRole("status").first()).toContainText("Approved. Confirm your password to enter.", { timeout: 15_000 });
  await confirmAndEnter(page);
  await expect(banner(page)).toContainText("viewing as Jane Doe (Owner)");
  await expect(banner(page)).toContainText("Edit");

  await nav(page).getByRole("link", { name: "Tax settings" }).click();
  await expect(page.getByLabel("Tax rate for EU (%)")).toHaveValue("20");
  await page.getByLabel("Tax rate for EU (%)").fill("10");
  await page.getByRole("button", { name: "Save tax rule for EU" }).click();
  await expect(page.locator("p.ok")).toContainText("EU now uses 10% (EU) for new invoices");
  await expect(page.getByLabel("Tax rate for Main (%)")).toHaveValue("20");

  await banner(page).getByRole("button", { name: "End session" }).click();
  await expect(page).toHaveURL(/\/console\?ended=ended_by_agent$/);
});

test("Jane, Acme Co's owner, reads in her history that Priya from Support changed the tax rate, and why", async ({ page }) => {
  await open(page, "/login");
  await signIn(page, "jane@acme.test");
  await expect(page).toHaveURL(/\/app$/);
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  // The navigation says there is something new about support.
  await expect(nav(page).getByRole("link", { name: /^Support history \d+ new$/ })).toBeVisible();
  await nav(page).getByRole("link", { name: "Support history" }).click();
  await expect(page.getByRole("heading", { name: "Support history", level: 1 })).toBeVisible();
  // Jane was told, in the app, when Priya entered and when she changed something.
  const notices = page.getByRole("region", { name: "Notifications" });
  await expect(notices).toContainText("Priya Nair changed Tax rate from 20% to 10%");
  await expect(notices).toContainText("Priya Nair entered Acme Co as Jane Doe");
  await notices.getByRole("button", { name: "Mark all as read" }).click();
  await expect(notices.getByRole("button", { name: "Mark all as read" })).toHaveCount(0);
  const visit = page.getByRole("article", { name: "Visit by Priya Nair from Support" }).filter({ hasText: "Tax rate" });
  await expect(visit).toContainText("Priya Nair from Support changed Tax rate from 20% to 10%");
  await expect(visit).toContainText("Why: “Customer says EU invoices show 20% tax instead of 10%”");
  await expect(visit).toContainText("Ticket #4821");
  await expect(visit).toContainText("How it ended: Ended by the agent");
  await visit.getByText(/Viewed \d+ pages?/).click();
  await expect(visit.getByRole("listitem").filter({ hasText: "Billing › Tax settings" }).first()).toBeVisible();

  // The security page holds the account's choice; changing it is an event the history shows.
  await nav(page).getByRole("link", { name: "Security" }).click();
  await expect(page.getByRole("radio", { name: "Allow support access" })).toBeChecked();
  // Read now: the navigation no longer says anything is new.
  await expect(nav(page).getByRole("link", { name: "Support history", exact: true })).toBeVisible();
  await page.getByRole("radio", { name: "Ask the owner first" }).check();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByText("Support access is now: Ask the owner first.")).toBeVisible();
  await page.getByRole("radio", { name: "Allow support access" }).check();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByText("Support access is now: Allow support access.")).toBeVisible();
  // She keeps changes in the app, not by email.
  const changes = page.getByRole("group", { name: "…changes something" });
  await changes.getByLabel("By email").uncheck();
  await page.getByRole("button", { name: "Save notification choices" }).click();
  await expect(page.getByText("Your notification choices are saved.")).toBeVisible();
  await page.reload();
  await expect(page.getByRole("group", { name: "…changes something" }).getByLabel("By email")).not.toBeChecked();
  await expect(page.getByRole("group", { name: "…changes something" }).getByLabel("In the app")).toBeChecked();

  await nav(page).getByRole("link", { name: "Support history" }).click();
  await expect(page.getByRole("heading", { name: "Support-access changes" })).toBeVisible();
  await expect(page.getByText(/Jane Doe changed support access for Acme Co from “Allow support access” to “Ask the owner first”/)).toBeVisible();
});

test("Maya reads Priya's Acme session in plain sentences, with the tax change highlighted", async ({ page }) => {
  await staffSignIn(page, "maya.chen@chaperone.test");
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Sessions" }).click();
  await expect(page.getByRole("heading", { name: "Support sessions" })).toBeVisible();
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  await page.getByLabel("Agent", { exact: true }).fill("Priya");
  await page.getByLabel("With changes").check();
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/agent=Priya/);
  const row = page.getByRole("row").filter({ hasText: "Acme Co" }).filter({ hasText: "Jane Doe" }).first();
  await expect(row).toContainText("1 change");
  await row.getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Priya Nair in Acme Co as Jane Doe");
  await expect(page.getByRole("heading", { name: /entered Acme Co as Jane Doe/ })).toBeVisible();
  await expect(page.locator("li.change mark")).toContainText("changed Tax rate from 20% to 10%");
  await expect(page.getByRole("status")).toContainText("1 change, 0 blocked");
});

test("Maya reviews the attempts that were refused, by person", async ({ page }) => {
  await staffSignIn(page, "maya.chen@chaperone.test");
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Denied attempts" }).click();
  await expect(page.getByRole("heading", { name: "Denied attempts", level: 1 })).toBeVisible();
  await expect(page.getByRole("region", { name: "Sarah Lee" })).toContainText("refused because the session is read-only");
});

test("Omar, an auditor, exports today's events as JSON Lines", async ({ page }) => {
  await staffSignIn(page, "omar.haddad@chaperone.test");
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Sessions" }).click();
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  await page.getByText("Export events for auditors").click();
  const today = new Date().toISOString().slice(0, 10);
  const form = page.getByRole("form", { name: "Export events" });
  await form.getByLabel("From").fill(today);
  await form.getByLabel("To").fill(today);
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    form.getByRole("button", { name: "JSON Lines" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("chaperone-events.jsonl");
  const fs = await import("fs");
  const lines = fs.readFileSync((await download.path())!, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  expect(lines.some((l) => l.kind === "audit.exported" && l.summary.includes("Omar Haddad exported"))).toBe(true);
  expect(lines.every((l) => typeof l.hash === "string" && l.hash.length === 64)).toBe(true);
});

test("Priya asks a manager to approve one export, and may download it once", async ({ page, browser }) => {
  await staffSignIn(page, "priya.nair@chaperone.test");
  await openAccount(page, "Acme Co");
  await askForAccess(page, "Ana Silva (Billing admin)", "Read-only");
  const accessUrl = page.url();

  const managerContext = await browser.newContext();
  const maya = await managerContext.newPage();
  await staffSignIn(maya, "maya.chen@chaperone.test");
  await maya.goto(accessUrl);
  await expect(maya.locator("body[data-hydrated]")).toHaveCount(1);
  await maya.getByRole("button", { name: "Approve" }).click();
  await expect(maya.getByText("The request was approved.")).toBeVisible();

  await expect(page.getByRole("status").first()).toContainText("Approved. Confirm your password to enter.", { timeout: 15_000 });
  await confirmAndEnter(page);

  // The export is blocked in the session, said in words on the same page,
  // still under the banner.
  await nav(page).getByRole("link", { name: "Invoices" }).click();
  await page.getByRole("button", { name: "Download invoices (CSV)" }).click();
  await expect(page.getByRole("alert")).toContainText("Exports and bulk downloads are blocked in support sessions");
  await expect(page).toHaveURL(/\/app\/billing\/invoices/);
  await expect(page.getByRole("heading", { name: "Invoices" })).toBeVisible();
  await expect(banner(page)).toContainText("Acme Co");
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);

  // The banner offers exactly what was refused.
  await banner(page).getByText("Ask to approve one blocked action").click();
  await banner(page).getByLabel("Blocked action", { exact: true }).selectOption({ label: "Exports and bulk downloads: invoices.csv" });
  await banner(page).getByLabel("Why", { exact: true }).fill("Customer needs last quarter's invoices as CSV for the auditor");
  await banner(page).getByRole("button", { name: "Ask a manager" }).click();
  const follow = banner(page).getByRole("link", { name: "Follow the request" });
  await expect(follow).toBeVisible();
  const actionUrl = await follow.getAttribute("href");

  await maya.goto(actionUrl!);
  await expect(maya.locator("body[data-hydrated]")).toHaveCount(1);
  await expect(maya.getByText("Exports and bulk downloads: invoices.csv")).toBeVisible();
  await maya.getByLabel("Note").fill("One export for the auditor");
  await maya.getByRole("button", { name: "Approve" }).click();
  await expect(maya.getByText("The request was approved.")).toBeVisible();
  await managerContext.close();

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download invoices (CSV)" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("acme-co-invoices.csv");

  // Used once: the next download is refused again.
  await page.getByRole("button", { name: "Download invoices (CSV)" }).click();
  await expect(page.getByRole("alert")).toContainText("blocked in support sessions");
});

test("James ends, from a new sign-in, the session a lost browser left open", async ({ page, browser }) => {
  await staffSignIn(page, "james.ortiz@chaperone.test");
  await openAccount(page, "Northwind Traders");
  await askForAccess(page, "Laura Callahan (Member)", "Read-only");
  await confirmAndEnter(page);
  await expect(banner(page)).toContainText("Northwind Traders");

  // The same person in another browser (the first one's cookie is lost).
  const other = await browser.newContext();
  const again = await other.newPage();
  await staffSignIn(again, "james.ortiz@chaperone.test");
  const notice = again.getByRole("status", { name: "Support session in another sign-in" });
  await expect(notice).toContainText("Northwind Traders, as Laura Callahan, read-only");
  await notice.getByRole("button", { name: "End that session" }).click();
  await expect(again).toHaveURL(/\/console\?ended=ended_by_agent$/);
  await expect(again.getByRole("status", { name: "Support session in another sign-in" })).toHaveCount(0);
  await other.close();

  // The first browser's next page says the session ended.
  await page.reload();
  await expect(page).toHaveURL(/\/console/);
});
