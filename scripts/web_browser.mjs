// The web page in a real browser: Debian's Chromium, headless, driven by playwright-core, with
// axe-core checking every page. Run by scripts/web_browser.sh, which starts the servers:
//
//   node scripts/web_browser.mjs --url URL --token TOKEN --idle-url URL2 --idle-token TOKEN2
//        [--screenshots DIR] [--headed]
//
// Covers: seed 002's flow verbatim (DATABASE_URL as a generic secret, listed without its value,
// a python flight prints it and the run's log in the page shows it masked, live); the typed s3
// form with a validation error at its field (a refused endpoint); a new version and rollback; "which secret"; a
// read member offered no create/drop and its forged POST refused; a POST without the CSRF
// token refused; idle expiry (second server, 2 s idle limit); sign-out; members, service
// accounts and tokens; keyboard (skip link, visible focus); 360 px and desktop widths; axe-core
// (no serious or critical violation) on every page; a leak scan of every HTML, JSON and
// event-stream response and of the browser's console.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const require = createRequire(process.env.COFFER_NPM_DIR + "/node_modules/");
const { chromium } = require("playwright-core");
const AXE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (!a.startsWith("--")) continue;
  const next = process.argv[i + 1];
  if (next === undefined || next.startsWith("--")) {
    args[a.slice(2)] = "1";
  } else {
    args[a.slice(2)] = next;
    i++;
  }
}
const URL0 = args.url;
const ADMIN = args.token;
const SHOTS = args.screenshots || "";
const PROJECT = "analytics";
// Values that must never reach a page, a response or the console.
const DB_URL = "postgres://etl:Tr0ub4dor-web-canary-7731@db.internal:5432/prod";
const S3_SECRET = "wJalrXUtnFEMI-web-canary-K7MDENG";
const DB_URL_V2 = "postgres://etl:Correct-Horse-web-canary-2@db.internal:5432/prod";
const VALUES = [DB_URL, S3_SECRET, DB_URL_V2];
const FORMS = VALUES.flatMap((v) => [v, Buffer.from(v).toString("base64"), encodeURIComponent(v)]);

let checks = 0;
let failures = 0;
function check(what, ok, detail = "") {
  checks += 1;
  if (ok) {
    console.log(`  ok   ${what}`);
  } else {
    failures += 1;
    console.log(`  FAIL ${what}${detail ? `: ${String(detail).slice(0, 600)}` : ""}`);
  }
}

async function api(method, p, body, token = ADMIN) {
  const r = await fetch(URL0 + p, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  scan(`API ${method} ${p}`, text);
  return { status: r.status, json: text ? JSON.parse(text) : null };
}

const seen = []; // [what, text] of every response and console line
function scan(what, text) {
  seen.push([what, text]);
}

const browser = await chromium.launch({
  executablePath: process.env.COFFER_CHROMIUM || "/usr/bin/chromium",
  headless: !args.headed,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
  ],
});

async function context(width = 1280, height = 900) {
  const ctx = await browser.newContext({ viewport: { width, height } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15000);
  page.on("console", (m) => scan(`console ${m.type()}`, `${m.text()} [${m.location().url}]`));
  page.on("pageerror", (e) => scan("page error", String(e)));
  page.on("response", async (r) => {
    const type = r.headers()["content-type"] || "";
    if (!/html|json|event-stream|javascript|css|text/.test(type)) return;
    try {
      const body = await Promise.race([r.text(), new Promise((res) => setTimeout(() => res(""), 20000))]);
      scan(`${r.request().method()} ${r.url()} (${type})`, body);
    } catch {
      /* a body that is gone (redirect) */
    }
  });
  return { ctx, page };
}

// axe-core on the page as it is now: no serious or critical violation.
const axed = new Set();
async function axe(page, name) {
  // Through the DevTools protocol: the page's CSP forbids inline script, and rightly so.
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) }));
  });
  const bad = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  axed.add(name);
  check(`axe: ${name} has no serious or critical violation`, bad.length === 0, JSON.stringify(bad));
}

async function shot(page, name) {
  if (!SHOTS) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

async function signIn(page, token, base = URL0) {
  await page.goto(base + "/");
  await page.getByLabel("Access token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForLoadState("load");
}

function text(page) {
  return page.locator("main").innerText();
}

// ---- admin: sign-in, a project ----------------------------------------------------------------
console.log("== sign-in and a project");
const { page } = await context();
await page.goto(URL0 + "/p/x/secrets");
check("a page without a session sends to the sign-in form", page.url().includes("/signin?next="), page.url());
await axe(page, "sign-in");
await shot(page, "signin");
const csp = (await page.request.get(URL0 + "/signin")).headers()["content-security-policy"] || "";
check("the CSP forbids inline script and framing", csp.includes("script-src 'self'") && csp.includes("frame-ancestors 'none'") && !csp.includes("unsafe-inline"), csp);
// Keyboard: the first Tab reaches the skip link, which moves focus to the content.
await signIn(page, ADMIN);
await page.goto(URL0 + "/projects");
await page.keyboard.press("Tab");
check("the first Tab reaches 'Skip to content'", (await page.evaluate(() => document.activeElement?.textContent)) === "Skip to content");
const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
check("focus is visible (an outline)", outline && outline !== "none", outline);
await page.keyboard.press("Enter");
check("the skip link moves focus to the content", (await page.evaluate(() => document.activeElement?.id)) === "main");
await page.getByLabel("Name").fill(PROJECT);
await page.getByRole("button", { name: "Create project" }).click();
check("a superuser creates a project in the page", (await text(page)).includes(`Project ${PROJECT} created`), await text(page));
await axe(page, "projects");

// ---- seed 002, verbatim ------------------------------------------------------------------------
console.log("== seed 002: create DATABASE_URL, see it listed without its value");
// 1. Navigate to Secrets in your project sidebar
await page.getByRole("navigation", { name: "Project" }).getByRole("link", { name: "Secrets" }).click();
await axe(page, "secrets (empty)");
// 2. Click Create secret
await page.getByRole("link", { name: "Create secret" }).click();
await axe(page, "create secret (generic)");
// 3. Enter a key name  4. Enter the secret value  5. Click Create
await page.getByLabel("Key name").fill("DATABASE_URL");
await page.getByLabel(/Secret value/).fill(DB_URL);
await page.getByRole("button", { name: "Create", exact: true }).click();
check("the secret is created, its value never shown again", (await text(page)).includes("Secret DATABASE_URL created. Its value will not be shown again."));
check("its page says the value is never shown", (await text(page)).includes("never shown"));
await axe(page, "secret page");
await page.goto(URL0 + `/p/${PROJECT}/secrets`);
const listed = await text(page);
check("the list shows DATABASE_URL with type, storage and version", listed.includes("DATABASE_URL") && listed.includes("generic") && listed.includes("persistent"), listed);
check("the list never shows the value", !(await page.content()).includes(DB_URL));

console.log("== a python flight prints it; the run's log shows it masked, live");
await page.getByRole("navigation", { name: "Project" }).getByRole("link", { name: "Flights" }).click();
await axe(page, "flights (empty)");
await page.getByRole("link", { name: "Create flight" }).click();
await axe(page, "create flight");
await page.getByLabel("Name").fill("print-db");
await page.getByLabel("Kind").selectOption("python");
await page.getByLabel("Script (python, sql)").fill(
  'import os, time\nprint("region:", os.environ["REGION"], flush=True)\ntime.sleep(1.5)\nprint("db:", os.environ["DATABASE_URL"], flush=True)\n'
);
await page.getByLabel("Config").fill("REGION=eu-west-1");
await page.getByLabel("DATABASE_URL").check();
await page.getByLabel("Schedule").fill("0 9 * * 1-5");
await page.getByRole("button", { name: "Create flight" }).click();
const flightText = await text(page);
check("the flight is created", flightText.includes("Flight print-db created"), flightText);
check("its schedule reads in words", flightText.includes("At 09:00 AM, Monday through Friday (UTC)"), flightText);
await axe(page, "flight page");
await page.getByLabel("REGION").fill("us-east-2");
await page.getByRole("button", { name: "Run now" }).click();
check("run now opens the run's page", /\/runs\/1$/.test(page.url()), page.url());
await page.waitForFunction(() => document.querySelector("#run-status")?.textContent?.includes("succeeded"), null, { timeout: 60000 });
const log = await page.locator("#log").innerText();
check("the live log shows the per-run override", log.includes("region: us-east-2"), log);
check("the log shows the secret masked", log.includes("db: ****") && !log.includes(DB_URL), log);
const runText = await text(page);
check("the run shows its exit code and effective config", runText.includes("Exit code") && runText.includes("us-east-2"), runText);
await axe(page, "run page");
await shot(page, "run");
await page.reload();
check("the finished run's page shows the masked log", (await page.locator("#log").innerText()).includes("db: ****"));
await page.goto(URL0 + `/p/${PROJECT}/flights/print-db`);
check("the runs table lists run #1 succeeded at version 1", (await text(page)).includes("#1") && (await text(page)).includes("succeeded"));
await shot(page, "flight");
await page.getByRole("link", { name: "Edit" }).click();
await axe(page, "edit flight");
await page.getByLabel("Timeout (seconds)").fill("120");
await page.getByRole("button", { name: "Save" }).click();
check("an edit saves version 2", (await text(page)).includes("saved as version 2"), await text(page));
await page.getByRole("link", { name: "v1" }).click();
check("version 1 stays readable", (await text(page)).includes("version 1"));
await axe(page, "flight version");
await page.goto(URL0 + `/p/${PROJECT}/flights`);
await axe(page, "flights");

console.log("== the typed s3 form, an error at its field");
await page.goto(URL0 + `/p/${PROJECT}/secrets`);
await page.getByRole("link", { name: "Create secret" }).click();
await page.getByLabel("Type").selectOption("s3");
await page.getByRole("button", { name: "Show fields" }).click();
check("the s3 form shows the type table's fields", (await page.locator("#f-key_id").count()) === 1 && (await page.locator("#f-url_style").count()) === 1);
check("sensitive fields are password inputs", (await page.locator("#f-secret").getAttribute("type")) === "password");
await axe(page, "create secret (s3)");
await page.getByLabel("Name", { exact: true }).fill("lake");
await page.locator("#f-secret").fill(S3_SECRET);
await page.locator("#f-region").fill("eu-west-1");
await page.locator("#f-key_id").fill("AKIAWEBTEST");
// DuckDB requires no field of an s3 secret; the endpoint still may not be a cloud metadata
// address (coffer's network rule).
await page.locator("#f-endpoint").fill("169.254.169.254");
await page.getByLabel("Scopes").fill("s3://lake-bucket/raw");
await page.getByRole("button", { name: "Create", exact: true }).click();
const fieldError = await page.locator("#f-endpoint-error").innerText().catch(() => "");
check("the refused endpoint is named at its field", fieldError.includes("endpoint"), await text(page));
check("the field is marked invalid", (await page.locator("#f-endpoint").getAttribute("aria-invalid")) === "true");
check("the secret value is not filled back in", (await page.locator("#f-secret").inputValue()) === "");
check("what was typed elsewhere stays", (await page.locator("#f-region").inputValue()) === "eu-west-1");
await axe(page, "create secret (s3, with an error)");
await shot(page, "secret-form-error");
await page.locator("#f-endpoint").fill("");
await page.locator("#f-secret").fill(S3_SECRET);
await page.getByRole("button", { name: "Create", exact: true }).click();
check("the s3 secret is created", (await text(page)).includes("Secret lake created"), await text(page));
await page.goto(URL0 + `/p/${PROJECT}/secrets`);
await page.getByLabel("Path").fill("s3://lake-bucket/raw/2026/file.parquet");
await page.getByLabel("Type", { exact: true }).selectOption("s3");
await page.getByRole("button", { name: "Look up" }).click();
check("'which secret' answers lake", (await page.locator(".answer").innerText()).includes("DuckDB would use lake"));
await axe(page, "secrets (with which)");
await shot(page, "secrets");

console.log("== a new version, then rollback");
await page.goto(URL0 + `/p/${PROJECT}/secrets/DATABASE_URL?storage=coffer`);
await page.getByRole("link", { name: "New version" }).click();
await axe(page, "new version");
await page.getByLabel(/Secret value/).fill(DB_URL_V2);
await page.getByRole("button", { name: "Save new version" }).click();
check("the new version is saved as version 2", (await text(page)).includes("saved as version 2"), await text(page));
await page.getByRole("button", { name: "Roll back to version 1" }).click();
check("rollback saves version 1's value as version 3", (await text(page)).includes("rolled back to version 1; saved as version 3"), await text(page));
await shot(page, "secret");
await page.getByRole("link", { name: "Drop" }).click();
await axe(page, "drop confirmation");
check("the drop confirmation names the secret", (await text(page)).includes("Drop secret DATABASE_URL?"));
await page.goto(URL0 + `/p/${PROJECT}/audit`);
await axe(page, "audit");
const audit = await text(page);
check("the audit log lists the creates and the run's read", audit.includes("secret.create") || audit.includes("create"), audit.slice(0, 400));
await page.getByLabel("Secret").fill("DATABASE_URL");
await page.getByRole("button", { name: "Filter" }).click();
check("the audit log filters by secret", !(await text(page)).includes("secret:lake"), await text(page));
await shot(page, "audit");

console.log("== members, service accounts, tokens");
let r = await api("POST", "/v1/users", { name: "rita" });
check("a user for the role tests", r.status === 201, JSON.stringify(r.json));
await page.goto(URL0 + `/p/${PROJECT}/members`);
await axe(page, "members");
await page.getByLabel("User or service account").fill("rita");
await page.locator("#grant-role").selectOption("read");
await page.getByRole("button", { name: "Grant" }).click();
check("an admin grants a role in the page", (await text(page)).includes("rita now has the role read"), await text(page));
await page.getByLabel("Name").fill("etl-bot");
await page.getByRole("button", { name: "Create service account" }).click();
check("an admin creates a service account", (await text(page)).includes("Service account etl-bot created with the role use"), await text(page));
await shot(page, "members");
await page.goto(URL0 + "/tokens");
await axe(page, "tokens");
await page.getByLabel("Name").fill("etl-bot-ci");
await page.getByLabel("For").selectOption("etl-bot");
await page.getByRole("button", { name: "Create token" }).click();
const shown = await page.locator("#new-token").inputValue();
check("a new token is shown once, with a warning and a copy button", shown.startsWith("coffer_") && (await text(page)).includes("shown this once") && (await page.getByRole("button", { name: "Copy" }).count()) === 1);
await axe(page, "token created");
await page.reload();
check("a reload does not show the token again", !(await page.content()).includes(shown) || (await page.locator("#new-token").count()) === 0);
await page.goto(URL0 + "/tokens");
page.once("dialog", (d) => d.accept());
await page.getByRole("button", { name: "Revoke token etl-bot-ci" }).click();
check("an admin revokes a token", (await text(page)).includes("Token etl-bot-ci revoked"), await text(page));

console.log("== a read member: offered nothing, forged posts refused");
r = await api("POST", "/v1/tokens", { name: "rita-web", owner: "rita" });
const ritaToken = r.json.token;
const reader = await context();
await signIn(reader.page, ritaToken);
await reader.page.goto(URL0 + `/p/${PROJECT}/secrets`);
const readerText = await text(reader.page);
check("a reader sees the secrets", readerText.includes("DATABASE_URL"));
check("a reader is offered no create", (await reader.page.getByRole("link", { name: "Create secret" }).count()) === 0);
await reader.page.goto(URL0 + `/p/${PROJECT}/secrets/DATABASE_URL?storage=coffer`);
check("a reader is offered no new version or drop",
  (await reader.page.getByRole("link", { name: "Drop" }).count()) === 0 && (await reader.page.getByRole("link", { name: "New version" }).count()) === 0);
check("a reader is offered no rollback", (await reader.page.getByRole("button", { name: /Roll back/ }).count()) === 0);
check("a reader has no audit or members link", (await reader.page.getByRole("link", { name: "Members" }).count()) === 0);
await axe(reader.page, "secret page (reader)");
const forged = await reader.page.evaluate(async (project) => {
  const csrf = document.querySelector('input[name="_csrf"]').value;
  const post = async (url, fields) => {
    const r = await fetch(url, { method: "POST", body: new URLSearchParams(fields), redirect: "manual" });
    return { status: r.status, text: await r.text() };
  };
  return {
    create: await post(`/p/${project}/secrets`, { _csrf: csrf, type: "generic", provider: "config", name: "FORGED", "f.value": "x" }),
    drop: await post(`/p/${project}/secrets/DATABASE_URL/drop`, { _csrf: csrf, confirm: "DATABASE_URL", storage: "coffer" }),
    grant: await post(`/p/${project}/members`, { _csrf: csrf, identity: "rita", role: "admin" }),
    noCsrf: await post(`/p/${project}/secrets`, { type: "generic", name: "NOCSRF", "f.value": "x" }),
  };
}, PROJECT);
check("a reader's forged create is refused", forged.create.status === 422 && forged.create.text.includes("write"), `${forged.create.status} ${forged.create.text.slice(0, 300)}`);
check("a reader's forged drop is refused", forged.drop.status === 403, forged.drop.status);
check("a reader's forged grant is refused", forged.grant.status === 403, forged.grant.status);
check("a POST without the CSRF token is refused", forged.noCsrf.status === 403 && forged.noCsrf.text.includes("CSRF"), forged.noCsrf.status);
r = await api("GET", `/v1/projects/${PROJECT}/secrets`);
const names = r.json.map((s) => s.name);
check("nothing forged happened", !names.includes("FORGED") && !names.includes("NOCSRF") && names.includes("DATABASE_URL"), names);
r = await api("GET", `/v1/projects/${PROJECT}/members`);
check("rita is still a reader", r.json.some((m) => m.identity === "rita" && m.role === "read"), JSON.stringify(r.json));

console.log("== sign-out, and idle expiry on a server with a 2 s idle limit");
await reader.page.getByRole("button", { name: "Sign out" }).click();
check("sign-out lands on the sign-in page", (await reader.page.locator("main").innerText()).includes("You are signed out"));
await reader.page.goto(URL0 + `/p/${PROJECT}/secrets`);
check("after sign-out the pages need a new sign-in", reader.page.url().includes("/signin"), reader.page.url());
const idle = await context();
await signIn(idle.page, args["idle-token"], args["idle-url"]);
check("signed in on the idle server", !idle.page.url().includes("/signin"), idle.page.url());
await new Promise((res) => setTimeout(res, 3000));
await idle.page.goto(args["idle-url"] + "/projects");
check("an idle session has ended", idle.page.url().includes("ended=idle") && (await idle.page.locator("main").innerText()).includes("period without activity"), idle.page.url());

console.log("== 360 px wide");
const narrow = await context(360, 740);
await signIn(narrow.page, ADMIN);
for (const [name, p] of [
  ["secrets", `/p/${PROJECT}/secrets`],
  ["create secret (s3)", `/p/${PROJECT}/new/secret?type=s3`],
  ["flight page", `/p/${PROJECT}/flights/print-db`],
  ["run page", `/p/${PROJECT}/flights/print-db/runs/1`],
  ["audit", `/p/${PROJECT}/audit`],
  ["tokens", "/tokens"],
]) {
  await narrow.page.goto(URL0 + p);
  const width = await narrow.page.evaluate(() => document.documentElement.scrollWidth);
  check(`360 px: ${name} does not scroll sideways`, width <= 360, width);
  await axe(narrow.page, `${name} at 360 px`);
}
await shot(narrow.page, "tokens-360px");

// ---- the leak scan -----------------------------------------------------------------------------
console.log("== leak scan");
await page.close();
await new Promise((res) => setTimeout(res, 500));
const leaks = seen.filter(([, t]) => FORMS.some((v) => t.includes(v))).map(([w]) => w);
check(`no secret value in ${seen.length} responses and console lines`, leaks.length === 0, leaks.join("; "));
// Chromium logs every 4xx answer as a console error; the forms' refusals (401, 403, 409, 422)
// are what the test asks for. Anything else (a 404 asset, a CSP violation, a script error) fails.
const expected = /^Failed to load resource: the server responded with a status of (401|403|409|422)/;
const errors = seen
  .filter(([w, t]) => w === "page error" || (w === "console error" && !expected.test(t)))
  .map(([w, t]) => `${w}: ${t}`);
check("no script error or console error", errors.length === 0, errors.join("; "));
console.log(`   pages checked with axe-core: ${axed.size}`);

await browser.close();
console.log(`web browser tests: ${checks - failures}/${checks} checks passed`);
process.exit(failures === 0 ? 0 : 1);
