import { test, expect } from "./fixtures";
import { open, signIn } from "./helpers";

test("a staff member signs in, lands on the console and signs out", async ({ page }) => {
  await open(page, "/console/login");
  await expect(page.getByRole("heading", { name: "Chaperone console" })).toBeVisible();
  await signIn(page, "sarah.lee@chaperone.test");

  await expect(page).toHaveURL(/\/console$/);
  await expect(page.getByRole("heading", { name: "Welcome, Sarah Lee" })).toBeVisible();
  await expect(page.getByText("You are signed in as Support agent.")).toBeVisible();
  await expect(page.getByRole("banner")).toContainText("Sarah Lee");

  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/console\/login$/);

  // Signed out means signed out: the console sends us back to sign in.
  await page.goto("/console");
  await expect(page).toHaveURL(/\/console\/login\?next=/);
});

test("a wrong password is refused with a clear message and no sign-in", async ({ page }) => {
  await open(page, "/console/login");
  await signIn(page, "maya.chen@chaperone.test", "not-her-password");
  await expect(page.getByRole("alert")).toHaveText(
    "That email and password do not match. Check them and try again.",
  );
  await expect(page).toHaveURL(/\/console\/login$/);
});

test("an anonymous visit to a console page signs in and returns there", async ({ page }) => {
  await page.goto("/console");
  await expect(page).toHaveURL(/\/console\/login\?next=%2Fconsole|\/console\/login\?next=\/console/);
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  await signIn(page, "omar.haddad@chaperone.test");
  await expect(page).toHaveURL(/\/console$/);
  await expect(page.getByRole("heading", { name: "Welcome, Omar Haddad" })).toBeVisible();
  await expect(page.getByRole("listitem").filter({ hasText: "Export audit events" })).toBeVisible();
});

test("a staff member chooses their time zone on their account page", async ({ page }) => {
  await open(page, "/console/login");
  await signIn(page, "james.ortiz@chaperone.test");
  await expect(page).toHaveURL(/\/console$/);
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Your account" }).click();
  await expect(page.getByRole("heading", { name: "Time zone" })).toBeVisible();
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  await page.getByLabel("Show times in").selectOption("America/Chicago");
  await page.getByRole("button", { name: "Save time zone" }).click();
  await expect(page.getByText("Times are now shown in America/Chicago.")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Show times in")).toHaveValue("America/Chicago");
});
