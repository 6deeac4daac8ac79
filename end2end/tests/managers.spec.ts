import { test, expect } from "./fixtures";
import { staffSignIn, openAccount, askForAccess, confirmAndEnter, banner, nav } from "./helpers";

const consoleNav = (page: import("@playwright/test").Page) => page.getByRole("navigation", { name: "Console" });

test("Priya asks for edit access to Globex, Maya approves it from the queue, then flags the session", async ({ page, browser }) => {
  await staffSignIn(page, "priya.nair@chaperone.test");
  // Priya's role opens no manager pages.
  await expect(consoleNav(page).getByRole("link", { name: "Approvals" })).toHaveCount(0);
  await openAccount(page, "Globex");
  await askForAccess(page, "Hank Scorpio (Owner)", "Edit");
  await expect(page.getByRole("status").first()).toContainText("Waiting for a manager's approval.");

  // Maya finds it in her queue, in her own browser, and approves it there.
  const mayaContext = await browser.newContext();
  const maya = await mayaContext.newPage();
  await staffSignIn(maya, "maya.chen@chaperone.test");
  await consoleNav(maya).getByRole("link", { name: "Approvals" }).click();
  await expect(maya.getByRole("heading", { name: "Approvals", level: 1 })).toBeVisible();
  const card = maya.getByRole("article", { name: /Priya Nair asks to enter Globex as Hank Scorpio/ });
  await expect(card).toContainText("Edit session");
  await expect(card).toContainText("#4821");
  await expect(card).toContainText("Customer says EU invoices show 20% tax instead of 10%");
  await card.getByLabel("Note (required to deny)").fill("Go ahead, the customer asked for it");
  // The queue refreshes itself every few seconds without losing the note.
  await maya.waitForTimeout(3500);
  await expect(card.getByLabel("Note (required to deny)")).toHaveValue("Go ahead, the customer asked for it");
  await card.getByRole("button", { name: "Approve" }).click();
  await expect(maya.getByText("The request was approved.")).toBeVisible();
  await expect(maya.getByText("Nothing waits for a decision.")).toBeVisible();

  // Priya's waiting page moves on by itself.
  await expect(page.getByRole("status").first()).toContainText("Approved. Confirm your password to enter.", { timeout: 15_000 });
  await confirmAndEnter(page);
  await expect(banner(page)).toContainText("viewing as Hank Scorpio (Owner)");
  await nav(page).getByRole("link", { name: "Invoices" }).click();
  await expect(page.getByRole("heading", { name: "Invoices" })).toBeVisible();
  await banner(page).getByRole("button", { name: "End session" }).click();
  await expect(page).toHaveURL(/\/console\?ended=ended_by_agent$/);

  // Afterwards Maya reviews it from her inbox and flags it with a note.
  await consoleNav(maya).getByRole("link", { name: "Review" }).click();
  await expect(maya.getByRole("heading", { name: "Review", level: 1 })).toBeVisible();
  await maya.getByRole("link", { name: "Priya Nair in Globex as Hank Scorpio" }).click();
  await expect(maya.getByRole("heading", { level: 1 })).toHaveText("Priya Nair in Globex as Hank Scorpio");
  await expect(maya.locator("body[data-hydrated]")).toHaveCount(1);
  const review = maya.getByRole("region", { name: "Review" });
  await expect(review).toContainText("Not reviewed yet.");
  // A flag without a note is refused with a clear message.
  await review.getByRole("button", { name: "Flag" }).click();
  await expect(maya.getByRole("alert")).toContainText("Say what is wrong when you flag a session");
  await review.getByLabel("Review note (required to flag)").fill("Edit access to the owner for a billing question");
  await review.getByRole("button", { name: "Flag" }).click();
  await expect(maya.getByText("The session is flagged.")).toBeVisible();
  await expect(review).toContainText("Flagged — Maya Chen");
  await expect(review).toContainText("Edit access to the owner for a billing question");

  // The session log shows it as flagged.
  await consoleNav(maya).getByRole("link", { name: "Sessions" }).click();
  await expect(maya.getByRole("heading", { name: "Support sessions" })).toBeVisible();
  await maya.getByLabel("Review", { exact: true }).selectOption("flagged");
  await maya.getByRole("button", { name: "Filter" }).click();
  await expect(maya).toHaveURL(/review=flagged/);
  const row = maya.getByRole("row").filter({ hasText: "Globex" });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Flagged");

  // The weekly review counts it, drawn on the server.
  await consoleNav(maya).getByRole("link", { name: "Review" }).click();
  await expect(maya.getByText("Every finished session has been reviewed.")).toBeVisible();
  await maya.getByRole("link", { name: "Weekly review dashboard →" }).click();
  await expect(maya.getByRole("heading", { level: 1 })).toContainText("Weekly review");
  await expect(maya.getByRole("img", { name: /Sessions per day/ })).toBeVisible();
  await expect(maya.getByRole("img", { name: /Sessions per agent/ })).toContainText("Priya Nair");
  await expect(maya.locator(".figures")).toContainText("1 of 1 (100%)");
  await mayaContext.close();
});

test("Maya ends Sarah's live session with a note, and Sarah is out on her next click", async ({ page, browser }) => {
  await staffSignIn(page, "sarah.lee@chaperone.test");
  await openAccount(page, "Acme Co");
  await askForAccess(page, "Tom Becker (Member)", "Read-only");
  await confirmAndEnter(page);
  await expect(banner(page)).toContainText("viewing as Tom Becker (Member)");

  const mayaContext = await browser.newContext();
  const maya = await mayaContext.newPage();
  await staffSignIn(maya, "maya.chen@chaperone.test");
  await consoleNav(maya).getByRole("link", { name: "Sessions" }).click();
  const live = maya.getByRole("row").filter({ hasText: "Sarah Lee" }).filter({ hasText: "Live" });
  await live.getByRole("link").click();
  await expect(maya.getByRole("heading", { level: 1 })).toHaveText("Sarah Lee in Acme Co as Tom Becker");
  await expect(maya.locator("body[data-hydrated]")).toHaveCount(1);
  // A live session is not reviewed yet; it can be ended.
  await expect(maya.getByRole("region", { name: "Review" })).not.toContainText("Mark fine");
  const end = maya.getByRole("form", { name: "End this session" });
  await end.getByLabel("Why end it now").fill("The customer called to withdraw consent");
  await end.getByRole("button", { name: "End this session now" }).click();
  await expect(maya.getByText("The session was ended.")).toBeVisible();
  await expect(maya.getByRole("form", { name: "End this session" })).toHaveCount(0);
  await mayaContext.close();

  await nav(page).getByRole("link", { name: "Orders" }).click();
  await expect(page).toHaveURL(/\/console\?ended=revoked_by_manager$/);
  await expect(page.getByText("A manager or an admin ended your support session.")).toBeVisible();
  await expect(banner(page)).toHaveCount(0);
});
