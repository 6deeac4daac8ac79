import { expect, Page } from "@playwright/test";

export const DEMO_PASSWORD = "chaperone-demo";

/** Opens a page and waits until the WASM has hydrated it. */
export async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
}

/** Fills and sends a sign-in form on the current page. */
export async function signIn(page: Page, email: string, password = DEMO_PASSWORD) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Signs a staff member in to the console and waits for hydration. */
export async function staffSignIn(page: Page, email: string) {
  await open(page, "/console/login");
  await signIn(page, email);
  await expect(page).toHaveURL(/\/console$/);
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
}

export async function openAccount(page: Page, name: string) {
  await page.getByLabel("Find an account").fill(name);
  await page.getByLabel("Find an account").press("Enter");
  await expect(page).toHaveURL(/\/console\?q=/);
  await page.getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { name, exact: true })).toBeVisible();
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
}

export async function askForAccess(page: Page, viewAs: string, mode: "Read-only" | "Edit") {
  await page.getByLabel("View as").selectOption({ label: viewAs });
  await page.getByLabel("Reason").fill("Customer says EU invoices show 20% tax instead of 10%");
  await page.getByLabel("Ticket reference").fill("#4821");
  await page.getByRole("radio", { name: mode === "Edit" ? /Edit/ : /Read-only/ }).check();
  await page.getByRole("button", { name: "Request access" }).click();
  await expect(page).toHaveURL(/\/console\/requests\/[0-9a-f-]+$/);
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
}

export async function confirmAndEnter(page: Page) {
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Confirm and enter" }).click();
  await expect(page).toHaveURL(/\/app$/);
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
}

export const banner = (page: Page) => page.getByRole("region", { name: "Support session" });
export const nav = (page: Page) => page.getByRole("navigation", { name: "Billfold" });

