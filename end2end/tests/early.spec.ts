// Forms used before the page is live. Pages are server-rendered and their
// islands come alive once the WASM has loaded; a form sent before that is
// held until it is, and sent as plain HTML if the WASM never comes.
import { test, expect } from "./fixtures";
import { staffSignIn, open, signIn, DEMO_PASSWORD } from "./helpers";

test("Dan's request pressed twice before the page is live is sent once, and Bill refuses it with no WASM at all", async ({ page, browser }) => {
  await staffSignIn(page, "dan.kim@chaperone.test");

  // Hold the WASM back (routing also turns the browser's cache off).
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/*.wasm", async (route) => {
    await held;
    await route.continue();
  });
  await page.goto("/console?q=Initech");
  await page.getByRole("link", { name: "Initech", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Initech", exact: true })).toBeVisible();
  await expect(page.locator("body[data-hydrated]")).toHaveCount(0);
  await page.getByLabel("View as").selectOption({ label: "Milton Waddams (Member)" });
  await page.getByLabel("Reason").fill("Customer cannot find the March invoice");
  await page.getByLabel("Ticket reference").fill("#5120");
  await page.getByRole("radio", { name: /Read-only/ }).check();
  const send = page.getByRole("button", { name: "Request access" });
  await send.click();
  await send.click();
  await expect(page.getByRole("form", { name: "Start support session" })).toHaveAttribute("aria-busy", "true");
  release();
  await expect(page).toHaveURL(/\/console\/requests\/[0-9a-f-]+$/);
  await expect(page.getByRole("status").first()).toContainText("Waiting for an owner of the account to approve.");

  // Bill signs in, then loses the WASM for good: his refusal goes as plain
  // HTML after a moment, and still says which button he pressed.
  const billContext = await browser.newContext();
  const bill = await billContext.newPage();
  await open(bill, "/login");
  await signIn(bill, "bill@initech.test", DEMO_PASSWORD);
  await expect(bill).toHaveURL(/\/app$/);
  await bill.route("**/*.wasm", (route) => route.abort());
  await bill.goto("/app/history");
  const waiting = bill.getByRole("region", { name: "Waiting for your approval" });
  // Exactly one request from Dan: the second press sent nothing.
  await expect(waiting.getByRole("article", { name: "Request from Dan Kim from Support" })).toHaveCount(1);
  await waiting.getByRole("button", { name: "Refuse" }).click();
  await expect(bill.getByRole("heading", { name: "Refused requests" })).toBeVisible({ timeout: 15_000 });
  await expect(bill.getByRole("listitem").filter({ hasText: "Dan Kim" })).toHaveCount(1);
  await expect(bill.getByRole("region", { name: "Waiting for your approval" })).toHaveCount(0);
  await expect(bill.getByRole("alert")).toHaveCount(0);
  await billContext.close();

  await expect(page.getByRole("status").first()).toContainText("Denied.", { timeout: 15_000 });
});

test("a sign-in sent as plain HTML while the WASM is away comes back with its error, and that page comes alive", async ({ page }) => {
  let away = true;
  await page.route("**/*.wasm", (route) => (away ? route.abort() : route.continue()));
  await page.goto("/console/login");
  await page.getByLabel("Email").fill("omar.haddad@chaperone.test");
  await page.getByLabel("Password").fill("not-his-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  // The WASM is back for the page the plain post returns to.
  away = false;
  await expect(page).toHaveURL(/__err=/, { timeout: 15_000 });
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  await expect(page.getByRole("alert")).toHaveText(
    "That email and password do not match. Check them and try again.",
  );
  // Alive: the right password now signs in through the page's script.
  await page.getByLabel("Email").fill("omar.haddad@chaperone.test");
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/console$/);
});
