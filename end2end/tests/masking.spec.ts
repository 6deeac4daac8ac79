import { test, expect, Page } from "./fixtures";
import { execFileSync } from "child_process";
import { open, staffSignIn } from "./helpers";

// Values planted in Acme Co's non-public columns. None may reach an agent in
// full: not the visible page, not the server-rendered source with its
// hydration data.
const CANARY = {
  card: "4000056655665556",
  phone: "+44 20 7946 0999",
  nationalId: "CANARY-NID-7731",
  billingId: "CANARY-DOC-5512",
  note: "CANARY-NOTE-9044",
};

function psql(sql: string) {
  const url = process.env.DATABASE_OWNER_URL;
  if (!url) throw new Error("DATABASE_OWNER_URL is not set: run the browser tests with `make e2e`");
  execFileSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql]);
}

function plantCanaries() {
  const acme = "(select id from product.accounts where name = 'Acme Co')";
  psql(`update product.payment_methods set card_number = '${CANARY.card}', billing_id_document = '${CANARY.billingId}'
        where account_id = ${acme} and is_default`);
  psql(`update product.users set phone = '${CANARY.phone}', national_id = '${CANARY.nationalId}' where email = 'jane@acme.test'`);
  psql(`insert into product.notes (id, account_id, body) select gen_random_uuid(), ${acme}, '${CANARY.note}'
        where not exists (select 1 from product.notes where body = '${CANARY.note}')`);
}

/** The page as the server sent it, hydration data included. */
async function source(page: Page, path: string) {
  const res = await page.request.get(path);
  expect(res.status()).toBe(200);
  return await res.text();
}

function expectNoCanary(text: string, where: string) {
  for (const [name, value] of Object.entries(CANARY)) {
    expect(text.includes(value), `${name} leaked on ${where}`).toBe(false);
  }
}

test("Dan, in a session, sees payment methods, orders, profile and search masked, and reveals one ID once with approval", async ({ page, browser }) => {
  plantCanaries();
  await staffSignIn(page, "dan.kim@chaperone.test");
  await page.getByLabel("Find an account").fill("Acme Co");
  await page.getByLabel("Find an account").press("Enter");
  await page.getByRole("link", { name: "Acme Co", exact: true }).click();
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  await page.getByLabel("View as").selectOption({ label: "Jane Doe (Owner)" });
  await page.getByLabel("Reason").fill("Customer asks why the card on file is declined at renewal");
  await page.getByLabel("Ticket reference").fill("#4822");
  await page.getByRole("button", { name: "Request access" }).click();
  await expect(page).toHaveURL(/\/console\/requests\/[0-9a-f-]+$/);
  const accessUrl = page.url();

  const managerContext = await browser.newContext();
  const maya = await managerContext.newPage();
  await staffSignIn(maya, "maya.chen@chaperone.test");
  await maya.goto(accessUrl);
  await expect(maya.locator("body[data-hydrated]")).toHaveCount(1);
  await maya.getByRole("button", { name: "Approve" }).click();
  await expect(maya.getByText("The request was approved.")).toBeVisible();

  await expect(page.getByRole("status").first()).toContainText("Approved. Confirm your password to enter.", { timeout: 15_000 });
  await page.getByLabel("Password").fill("chaperone-demo");
  await page.getByRole("button", { name: "Confirm and enter" }).click();
  await expect(page).toHaveURL(/\/app$/);
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  const nav = page.getByRole("navigation", { name: "Billfold" });

  await nav.getByRole("link", { name: "Payment methods" }).click();
  await expect(page.getByRole("cell", { name: "•••• 5556" })).toBeVisible();
  await nav.getByRole("link", { name: "Orders" }).click();
  await expect(page.getByRole("heading", { name: "Orders" })).toBeVisible();
  await nav.getByRole("link", { name: "Profile" }).click();
  await expect(page.getByLabel("Phone", { exact: true })).toHaveValue("•••• 0999");
  await expect(page.getByLabel("National or tax ID", { exact: true })).toHaveValue("Hidden");
  await page.getByRole("search").getByLabel("Search").fill(CANARY.nationalId);
  await page.getByRole("search").getByLabel("Search").press("Enter");
  await expect(page).toHaveURL(/\/app\/search\?q=/);
  expectNoCanary(await page.locator("main").innerText(), "search results");

  for (const path of ["/app/billing/payment-methods", "/app/orders", "/app/profile", "/app/notes", "/app/search?q=Acme"]) {
    expectNoCanary(await source(page, path), path);
  }
  for (const path of ["/app/billing/payment-methods", "/app/profile"]) {
    await open(page, path);
    expectNoCanary(await page.content(), `${path} (live DOM)`);
  }

  // Reveal the national ID once, with Maya's approval.
  const panel = page.getByRole("region", { name: "Reveal for this case" });
  await expect(panel).toBeVisible();
  await panel.getByLabel("Why the case needs the national or tax ID of Jane Doe").fill("Customer must confirm the tax ID printed on invoices");
  await panel.getByRole("button", { name: "Ask to reveal National or tax ID of Jane Doe" }).click();
  const follow = panel.getByRole("link", { name: "Follow the request" });
  await expect(follow).toBeVisible();
  await maya.goto((await follow.getAttribute("href"))!);
  await expect(maya.locator("body[data-hydrated]")).toHaveCount(1);
  await expect(maya.getByText("Revealing identity data: National or tax ID of Jane Doe")).toBeVisible();
  await maya.getByRole("button", { name: "Approve" }).click();
  await expect(maya.getByText("The request was approved.")).toBeVisible();
  await managerContext.close();

  await open(page, "/app/profile");
  await panel.getByRole("button", { name: "Show National or tax ID of Jane Doe once" }).click();
  await expect(panel.locator("output")).toHaveText(CANARY.nationalId);
  // Once: after a reload it is gone, and the source never held it.
  await open(page, "/app/profile");
  await expect(panel.getByText("Shown once for this case.").first()).toBeVisible();
  expectNoCanary(await source(page, "/app/profile"), "/app/profile after the reveal");

  await page.getByRole("region", { name: "Support session" }).getByRole("button", { name: "End session" }).click();
  await expect(page).toHaveURL(/\/console\?ended=ended_by_agent$/);
});
