import { test, expect } from "./fixtures";
import { open, signIn } from "./helpers";

test("a customer signs in, lands on their account and signs out", async ({ page }) => {
  await open(page, "/login");
  await expect(page.getByRole("heading", { name: "Billfold" })).toBeVisible();
  await signIn(page, "jane@acme.test");

  await expect(page).toHaveURL(/\/app$/);
  await expect(page.getByRole("heading", { name: "Acme Co" })).toBeVisible();
  await expect(page.getByText("Welcome back, Jane Doe.")).toBeVisible();

  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
});

test("a customer cannot open the console", async ({ page }) => {
  await open(page, "/login");
  await signIn(page, "tom@acme.test");
  await expect(page).toHaveURL(/\/app$/);

  const response = await page.goto("/console");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("alert")).toContainText("The console is for Chaperone staff");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
});
