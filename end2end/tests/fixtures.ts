// Every spec imports `test` from here rather than from Playwright, so axe-core
// checks every page any test opens — in the default page and in every other
// user's browser a test starts — and the test fails on a serious or critical
// violation. A page is checked when it loads, after each navigation inside
// the app, and once more as the test leaves it. A page whose WASM panics
// (a hydration mismatch, say) fails the test too.
import { test as base, expect, Browser, BrowserContext, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const BLOCKING = new Set(["serious", "critical"]);

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

class Checker {
  problems: string[] = [];
  crashes: string[] = [];
  checked = new Set<string>();
  private queues = new Map<Page, Promise<void>>();

  watch(page: Page) {
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame()) this.enqueue(page, true);
    });
    // A hydration mismatch or a panic leaves the page looking right but
    // dead (its islands never come alive): always a failure.
    page.on("console", (message) => {
      if (message.type() === "error" && /panicked|hydration error/i.test(message.text())) {
        this.crashes.push(`${page.url()}: ${message.text().split("\n")[0]}`);
      }
    });
  }

  watchContext(context: BrowserContext) {
    context.on("page", (page) => this.watch(page));
    for (const page of context.pages()) this.watch(page);
  }

  /** Checks run one at a time per page: axe refuses to run twice at once. */
  enqueue(page: Page, settle: boolean) {
    const previous = this.queues.get(page) ?? Promise.resolve();
    const next = previous.then(() => this.check(page, settle));
    this.queues.set(page, next);
  }

  private async check(page: Page, settle: boolean) {
    if (page.isClosed()) return;
    try {
      if (settle) {
        await page.waitForLoadState("load", { timeout: 5_000 });
        await page.waitForTimeout(200);
      }
      const url = new URL(page.url());
      if (url.protocol === "about:") return;
      // Legacy mode runs axe inside the page alone; the default opens a blank
      // page of its own, which races with tests that close their browsers.
      const results = await withTimeout(
        new AxeBuilder({ page }).setLegacyMode(true).withTags(TAGS).analyze(),
        15_000,
      );
      this.checked.add(url.pathname);
      for (const v of results.violations) {
        if (!BLOCKING.has(v.impact ?? "")) continue;
        const where = v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(" "))
          .join("; ");
        this.problems.push(`${url.pathname}: ${v.id} (${v.impact}) ${v.help} — ${where}`);
      }
    } catch (err) {
      // The page navigated or closed while being checked: the next page is
      // checked when it loads, so nothing is skipped that stays on screen.
      // A page still open that could not be checked is a failure.
      if (!settle && !page.isClosed()) this.problems.push(`${page.url()}: not checked (${err})`);
    }
  }

  async finish(pages: Page[]) {
    for (const page of pages) this.enqueue(page, false);
    await Promise.all(this.queues.values());
  }
}

export const test = base.extend<{ a11y: Checker }>({
  a11y: [
    async ({ context, browser }, use) => {
      const checker = new Checker();
      checker.watchContext(context);
      // Other users' browsers the test opens are checked too.
      const contexts: BrowserContext[] = [context];
      const original = browser.newContext.bind(browser);
      (browser as Browser).newContext = async (...args: Parameters<Browser["newContext"]>) => {
        const created = await original(...args);
        checker.watchContext(created);
        contexts.push(created);
        return created;
      };
      try {
        await use(checker);
      } finally {
        (browser as Browser).newContext = original;
      }
      await checker.finish(contexts.flatMap((c) => c.pages()));
      expect(checker.checked.size, "no page was checked for accessibility").toBeGreaterThan(0);
      expect(checker.crashes, "the WASM failed on a page").toEqual([]);
      expect(checker.problems, `accessibility problems on ${[...checker.checked].join(", ")}`).toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
export type { Page };
