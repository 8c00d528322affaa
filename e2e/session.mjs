// A whole session in real Chromium: the coordinator draws a sample with the panel's seed, two
// auditors score calls in two browser contexts (one of them by keyboard alone), the panel's
// answers are compared and agreed, the facilitator responds, and the coordinator downloads the
// session report. axe-core checks every page visited against WCAG 2.2 AA; any violation, any
// Content-Security-Policy report and any failed request fails the run.
//
// Usage: node e2e/session.mjs BASE_URL SCREENSHOT_DIR
import { chromium } from "playwright-core";
import { readFileSync, mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";

const base = process.argv[2];
const shots = process.argv[3] || mkdtempSync(join(tmpdir(), "callaudit-shots-"));
mkdirSync(shots, { recursive: true });
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const PASSWORD = "callaudit-demo";
const who = (name) => `${name}@demo.callaudit.invalid`;
const problems = [];
let checked = 0;

function fail(msg) {
  problems.push(msg);
  console.error("FAIL: " + msg);
}

function expect(cond, msg) {
  if (!cond) { fail(msg); }
}

async function audit(page, label) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } }));
  checked += 1;
  for (const v of result.violations) {
    fail(`axe on ${label} (${page.url()}): ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  }
  await page.screenshot({ path: join(shots, `${String(checked).padStart(2, "0")}-${label}.png`), fullPage: true });
  await reflows(page, label);
}

// WCAG 1.4.10: at 320 CSS pixels wide (a phone, or 1280 px at 400% zoom) the page reads without
// scrolling sideways; a wide table may scroll inside its own box.
async function reflows(page, label) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 640 });
  const wide = await page.evaluate(() => {
    const over = document.documentElement.scrollWidth - document.documentElement.clientWidth;
    if (over <= 0) { return null; }
    const culprits = [...document.querySelectorAll("main *")]
      .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !e.closest(".table-wrap"))
      .slice(0, 3).map((e) => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""));
    return `${over}px too wide (${culprits.join(", ")})`;
  });
  if (wide) { fail(`reflow at 320px on ${label} (${page.url()}): ${wide}`); }
  await page.setViewportSize(size);
}

function watch(page, label) {
  page.on("console", (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) { fail(`${label}: CSP: ${m.text()}`); }
  });
  page.on("pageerror", (e) => fail(`${label}: script error: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 500) { fail(`${label}: ${r.status()} from ${r.url()}`); }
  });
}

async function signIn(browser, name, label) {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  watch(page, label);
  await page.goto(base + "/");
  expect(new URL(page.url()).pathname === "/login", `${label}: a stranger's first page is the sign-in page (got ${page.url()})`);
  await page.fill("#email", who(name));
  await page.fill("#password", PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  expect(new URL(page.url()).pathname === "/", `${label}: signed in (at ${page.url()})`);
  return { context, page };
}

// Clicks `selector` on `page` (or the locator given as `page` when `selector` is null) and waits
// for the page it leads to.
async function submit(page, selector) {
  if (selector === null) {
    await Promise.all([page.page().waitForNavigation(), page.click()]);
  } else {
    await Promise.all([page.waitForNavigation(), page.click(selector)]);
  }
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--autoplay-policy=no-user-gesture-required"],
});

try {
  // The sign-in page, before anyone signs in.
  {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    watch(page, "stranger");
    await page.goto(base + "/");
    await audit(page, "sign-in");
    await page.fill("#email", who("casey.coordinator"));
    await page.fill("#password", "not the password");
    await submit(page, "button[type=submit]");
    expect(await page.locator(".error-summary").isVisible(), "a wrong password says so");
    await audit(page, "sign-in-error");
    await ctx.close();
  }

  // 1. The coordinator commits the pool and draws with the panel's seed.
  const coord = await signIn(browser, "casey.coordinator", "coordinator");
  let page = coord.page;
  await audit(page, "coordinator-home");
  await page.click("nav >> text=Sessions");
  await audit(page, "sessions");
  await submit(page, "text=1 April 2026");
  const sessionUrl = page.url();
  await audit(page, "session-planned");
  await submit(page, "text=Commit the pool");
  expect((await page.textContent(".notification-banner")).includes("The pool is committed"), "committing the pool is confirmed");
  const grouped = await page.locator("code.digest").first().textContent();
  expect(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/.test(grouped.trim()), `the pool digest is shown in groups of four (${grouped})`);
  const digest = grouped.replace(/\s/g, "");
  expect((await page.textContent("main")).includes("Read aloud: " + digest.slice(0, 4) + " " + digest.slice(4, 8)),
    "a short form to read aloud is shown");
  await audit(page, "session-committed");
  // A seed of spaces is refused on the same page, the problem linked to the field.
  await page.fill("#seed", "   ");
  await submit(page, "button:has-text('Continue')");
  expect(await page.evaluate(() => document.activeElement.classList.contains("error-summary")), "a refused seed starts at the error summary");
  expect((await page.locator(".error-summary a[href='#seed']").count()) === 1, "the summary links to the seed");
  await audit(page, "seed-refused");
  await page.fill("#seed", "green 4 2");
  await submit(page, "button:has-text('Continue')");
  // The seed is read back on a page of its own before the draw, which cannot be undone.
  expect((await page.textContent("h1")) === "Check the seed before drawing" && (await page.textContent("main")).includes("green 4 2"),
    "the seed is checked before the draw");
  await audit(page, "draw-check");
  await submit(page, "button:has-text('Draw the sample')");
  expect((await page.textContent(".notification-banner")).includes("The sample is drawn"), "the draw is confirmed");
  const calls = await page.locator("#calls ~ table tbody tr, section:has(#calls) tbody tr").count();
  expect(calls === 10, `ten calls drawn (got ${calls})`);
  await audit(page, "session-drawn");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("text=Download the draw record")]);
  const record = JSON.parse(readFileSync(await download.path(), "utf8"));
  expect(record.seed === "green 4 2" && record.calls.length === 10 && record.pool_digest === digest.trim(),
    "the draw record carries the seed, the digest and the ten calls");

  // 2. Two auditors score in their own browsers.
  const alex = await signIn(browser, "alex.auditor", "alex");
  page = alex.page;
  await audit(page, "auditor-home");
  await submit(page, "text=1 April 2026");
  await audit(page, "auditor-session");
  await submit(page, "text=Call 1");
  await audit(page, "score-call-1");
  // The recording: metadata loads through range requests, and the controls seek.
  await page.waitForFunction(() => document.querySelector("audio").readyState >= 1, null, { timeout: 15000 });
  const duration = await page.evaluate(() => document.querySelector("audio").duration);
  expect(duration > 30, `the recording has its length (${duration} s)`);
  await page.click("text=Forward 5 seconds");
  const t = await page.evaluate(() => document.querySelector("audio").currentTime);
  expect(t >= 4.9, `forward 5 seconds seeks (${t})`);
  // The long silence is marked on the timeline, and its button plays from two seconds before it.
  const silence = page.locator("[data-silences] button").first();
  await silence.waitFor({ timeout: 15000 });
  const start = parseFloat(await silence.getAttribute("data-start"));
  expect(start > 10 && start < 30, `the demo call's long silence is found (${start} s)`);
  await silence.click();
  const at = await page.evaluate(() => document.querySelector("audio").currentTime);
  expect(Math.abs(at - (start - 2)) < 0.6, `a silence plays from two seconds before it (${at} s, silence at ${start} s)`);
  await page.evaluate(() => document.querySelector("audio").pause());
  // The transcript's prompts are shown, and a line's time plays the recording from there.
  expect(await page.locator(".prompts li").count() >= 2, "the transcript's prompts are shown");
  await page.click("summary:has-text('Transcript')");
  await page.locator(".transcript-lines button").nth(1).click();
  const line = await page.evaluate(() => document.querySelector("audio").currentTime);
  expect(line >= 4.7 && line < 5.5, `a transcript line plays from its time (${line} s)`);
  await page.evaluate(() => document.querySelector("audio").pause());
  // The incident log sits beside the recording: an entry written during the call plays from its
  // time; what a risk marker says is kept from a volunteer by default.
  expect((await page.textContent("#log-h")) === "The incident log", "the call's incident log is shown");
  const logSeek = page.locator(".log-lines button").first();
  expect(await logSeek.count() === 1, "a log entry written during the call has a play button");
  await logSeek.click();
  const fromLog = await page.evaluate(() => document.querySelector("audio").currentTime);
  expect(fromLog >= 7.5 && fromLog < 9, `the opening entry plays from its time (${fromLog} s)`);
  await page.evaluate(() => document.querySelector("audio").pause());
  await page.screenshot({ path: join(shots, "score-silences.png"), fullPage: true });
  await audit(page, "score-call-1-silences");
  // The player keys work while a radio button has the focus (a radio is not typing), and the
  // player and the save state stay in view at the foot of the form.
  await page.focus("#q-greeting-yes");
  await page.keyboard.press("k");
  expect(!(await page.evaluate(() => document.querySelector("audio").paused)), "k plays the recording with a radio button focused");
  await page.keyboard.press("k");
  expect(await page.evaluate(() => document.querySelector("audio").paused), "and k pauses it");
  expect(!(await page.locator("#q-greeting-yes").isChecked()), "the key did not answer the question");
  const inView = await page.evaluate(() => {
    window.scrollTo(0, document.body.scrollHeight);
    const inside = (e) => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; };
    return inside(document.querySelector("audio")) && inside(document.querySelector("[data-save-status]"));
  });
  expect(inView, "the player and the save state stay in view at the foot of the form");
  expect((await page.textContent("[data-save-status]")).includes("0 of"), "the save state says how many questions are answered");
  const questions = await page.locator("fieldset.question legend").count();
  for (const input of await page.locator("input[type=radio][value=yes]").all()) { await input.check(); }
  await page.check("#cat-positive");
  await page.fill("#n-greeting", "Clear, warm greeting.");
  await page.locator("[data-save-status]").filter({ hasText: "Saved at" }).waitFor({ timeout: 10000 });
  await page.reload();
  expect(await page.locator("#q-greeting-yes").isChecked(), "an answer saved as it was given survives a reload");
  expect((await page.inputValue("#n-greeting")) === "Clear, warm greeting.", "the note survived too");
  await submit(page, "text=Save and go to call 2");
  expect(page.url().endsWith("/calls/2"), `save and go to the next call (${page.url()})`);
  for (const input of await page.locator("input[type=radio][value=yes]").all()) { await input.check(); }
  await page.check("#cat-suggestions");
  await submit(page, "button[value=stay]");
  expect((await page.textContent("[data-save-status]")).includes("your answers are saved"), "saved without the script's help too");

  // A dropped connection: the answer is kept in the browser and sent when it returns.
  await page.goto(sessionUrl + "/calls/3");
  await alex.context.setOffline(true);
  await page.check("#q-greeting-no");
  await page.locator("[data-save-status]").filter({ hasText: "Not saved yet" }).waitFor({ timeout: 10000 });
  expect(await page.locator("[data-save-status]").evaluate((e) => e.classList.contains("is-warning")),
    "the offline message reads as a warning, not in the green of success");
  await page.close();
  await alex.context.setOffline(false);
  page = await alex.context.newPage();
  watch(page, "alex-again");
  await page.goto(sessionUrl + "/calls/3");
  await page.locator("[data-save-status]").filter({ hasText: "Saved at" }).waitFor({ timeout: 10000 });
  expect(!(await page.locator("[data-save-status]").evaluate((e) => e.classList.contains("is-warning"))),
    "once sent, the status is no longer a warning");
  const fresh = await alex.context.newPage();
  await fresh.goto(sessionUrl + "/calls/3");
  expect(await fresh.locator("#q-greeting-no").isChecked(), "the answer given offline reached the server");
  await fresh.close();
  // Finishing on the last call with questions left asks first, listing them; "finish anyway"
  // leads to a summary of every call with what happens next.
  await page.goto(sessionUrl + "/calls/10");
  await submit(page, "button:has-text('Save and finish')");
  expect(await page.evaluate(() => document.activeElement.id === "unanswered"), "moving on with questions left asks first, the list in focus");
  expect((await page.locator("#unanswered a[href^='#q-']").count()) > 3, "each unanswered question is linked");
  await audit(page, "score-unanswered");
  await submit(page, "text=finish anyway and see your answers");
  expect((await page.textContent("h1")) === "Your answers" && (await page.textContent("main")).includes("What happens next"),
    "after the last call, a summary and what happens next");
  expect((await page.textContent("main")).includes("You have finished 2 of 10 calls"), "the summary counts the finished calls");
  await audit(page, "your-answers");

  // Bea, by keyboard alone: sign in, open call 1, answer every question, propose, save.
  const beaContext = await browser.newContext();
  const bea = await beaContext.newPage();
  watch(bea, "bea");
  await bea.goto(base + "/");
  const tabTo = async (test, arg = null) => {
    for (let i = 0; i < 400; i++) {
      await bea.keyboard.press("Tab");
      if (await bea.evaluate(test, arg)) { return true; }
    }
    fail("keyboard: could not reach the element by Tab");
    return false;
  };
  await tabTo(() => document.activeElement.id === "email");
  await bea.keyboard.type(who("bea.auditor"));
  await bea.keyboard.press("Tab");
  await bea.keyboard.type(PASSWORD);
  await Promise.all([bea.waitForNavigation(), bea.keyboard.press("Enter")]);
  await tabTo(() => document.activeElement.tagName === "A" && document.activeElement.textContent.includes("1 April 2026"));
  await Promise.all([bea.waitForNavigation(), bea.keyboard.press("Enter")]);
  await tabTo(() => document.activeElement.textContent.trim() === "Call 1");
  await Promise.all([bea.waitForNavigation(), bea.keyboard.press("Enter")]);
  const codes = await bea.evaluate(() =>
    [...new Set([...document.querySelectorAll("input[type=radio][name^=q_]")].map((e) => e.name))]);
  for (const [i, name] of codes.entries()) {
    await tabTo((n) => document.activeElement.name === n, name);
    // Space picks "Yes"; one arrow to the right picks "Partly": disagree with Alex on every other question.
    await bea.keyboard.press(i % 2 === 0 ? "Space" : "ArrowRight");
  }
  await tabTo(() => document.activeElement.name === "category");
  await bea.keyboard.press("ArrowRight");
  await tabTo(() => document.activeElement.value === "stay");
  await Promise.all([bea.waitForNavigation(), bea.keyboard.press("Enter")]);
  const answered = await bea.evaluate(() => document.querySelectorAll("input[type=radio][name^=q_]:checked").length);
  expect(answered === questions - 2, `keyboard alone answered every question (${answered} of ${questions - 2})`);
  await audit(bea, "score-saved");

  // 3. The facilitator: panel view, agreed outcome, response to the issue.
  const fran = await signIn(browser, "fran.facilitator", "fran");
  page = fran.page;
  await page.goto(sessionUrl);
  await submit(page, "text=Panel view");
  await audit(page, "panel");
  expect((await page.textContent("main")).includes("Read aloud:"), "the panel view shows the digest's short form");
  // One call at a time, with the list of calls and their state.
  await submit(page, "main table >> text=Call 1");
  expect(await page.locator("#call-1 tr.disagree").count() > 0, "the panel view marks where auditors differ");
  expect(await page.locator("section.call-panel").count() === 1, "one call at a time");
  await audit(page, "panel-call");
  const call1 = page.locator("#call-1");
  await call1.locator("input[name=category][value=suggestions]").check();
  await call1.locator("input[name=area][value=silence]").check();
  await call1.locator("textarea[name=comments]").fill("Good call; a long silence was not explained.");
  await call1.locator("textarea[name=learning_points]").fill("Explain silences: 'I'm just updating the log'.");
  await call1.locator("textarea[name=issue]").fill("Silence of several seconds not explained to the caller.");
  await Promise.all([page.waitForNavigation(), call1.locator("button[type=submit]").click()]);
  expect((await page.locator("#call-1").textContent()).includes("Good, with suggestions"), "the agreed category is shown");
  expect((await page.textContent(".notification-banner")).includes("The panel's outcome for call 1 is saved"), "the outcome is confirmed, with the way on");
  await page.goto(sessionUrl + "/responses");
  await audit(page, "responses");
  let issue = page.locator("section[id^=issue-]").first();
  // A response saved blank comes back on the same page, the problem linked to the field, what
  // was typed kept.
  await issue.locator("textarea[name=action_taken]").fill("Team briefing planned.");
  await Promise.all([page.waitForNavigation(), issue.locator("button", { hasText: "Save the response" }).click()]);
  expect((await page.locator(".error-summary a[href$='-response']").count()) === 1, "a blank response is linked from the error summary");
  issue = page.locator("section[id^=issue-]").first();
  expect((await issue.locator("textarea[name=action_taken]").inputValue()) === "Team briefing planned.", "the refused response keeps what was typed");
  await audit(page, "response-refused");
  await issue.locator("textarea[name=response]").fill("Handler spoken to; silences covered at the next team briefing.");
  await issue.locator("textarea[name=action_taken]").fill("Team briefing on explaining silences.");
  await issue.locator("input[value=developmental]").check();
  await issue.locator("input[name$=-date-day]").fill("8");
  await issue.locator("input[name$=-date-month]").fill("4");
  await issue.locator("input[name$=-date-year]").fill("2026");
  await Promise.all([page.waitForNavigation(), issue.locator("button", { hasText: "Save the response" }).click()]);
  expect((await page.textContent("main")).includes("Handler spoken to"), "the response is recorded");

  // The agreed area becomes an issue: the facilitator edits the drafted one and keeps it, then
  // escalates it to the force lead.
  await page.goto(sessionUrl + "/panel/2");
  expect((await page.locator("#call-2").textContent()).includes("Not answered by 1"),
    "auditors who have not finished read as not answered, never as agreement");
  await page.goto(sessionUrl + "/panel/1");
  const draft = page.locator("#call-1 form.draft").first();
  expect((await draft.locator("textarea").inputValue()).includes("Silences explained"), "the draft names the agreed area as the template words it");
  await draft.locator("textarea").fill("Silences were not explained; Mrs Hughes asked twice if anyone was there.");
  await Promise.all([page.waitForNavigation(), draft.locator("button[value=keep]").click()]);
  await audit(page, "panel-draft-kept");
  await page.goto(sessionUrl + "/responses");
  const kept = page.locator("section[id^=issue-]", { hasText: "asked twice" });
  await kept.locator("summary", { hasText: "Escalate this issue" }).click();
  await kept.locator("textarea[name=note]").fill("Is silence covered in the call handlers' refresher training?");
  await Promise.all([page.waitForNavigation(), kept.locator("button", { hasText: "Escalate to the force lead" }).click()]);
  expect((await page.textContent("main")).includes("Awaiting the force lead's answer"), "the escalation is recorded");
  await audit(page, "responses-escalated");

  // The force lead finds it on their page and answers.
  const lee = await signIn(browser, "lee.lead", "lee");
  page = lee.page;
  await submit(page, "nav >> text=Awaiting you");
  await audit(page, "force-lead");
  const esc = page.locator("section[id^=issue-]", { hasText: "asked twice" });
  await esc.locator("textarea[name=answer]").fill("Yes: silences are in the March refresher; the panel's example will be added.");
  await Promise.all([page.waitForNavigation(), esc.locator("button[type=submit]").click()]);
  expect(!(await page.textContent("main")).includes("asked twice"), "an answered escalation leaves the force lead's list");
  await fran.page.goto(sessionUrl + "/responses");
  expect((await fran.page.textContent("main")).includes("the panel's example will be added"), "the facilitator reads the force lead's answer");

  // The coordinator raises an action from the issue; the board pack carries it.
  page = coord.page;
  await page.goto(sessionUrl + "/responses");
  await audit(page, "responses-coordinator");
  await submit(page.locator("section[id^=issue-]", { hasText: "asked twice" }).locator("text=Raise an action"), null);
  await audit(page, "action-from-issue");
  await page.fill("#text", "Add the panel's silence example to the call handlers' refresher");
  await page.selectOption("#owner_id", { label: "Lee Lead" });
  await page.fill("#due-day", "30");
  await page.fill("#due-month", "June");
  await page.fill("#due-year", "2026");
  await page.selectOption("#rag", "amber");
  await submit(page, "text=Add the action");
  expect(await page.locator("tr", { hasText: "silence example" }).count() === 1, "the action is in the log");
  expect((await page.textContent(".notification-banner")).includes("The action is in the log as"), "adding an action is confirmed with its reference");
  const [pack] = await Promise.all([page.waitForEvent("download"), page.click("text=public pack (Markdown)")]);
  const packText = readFileSync(await pack.path(), "utf8");
  expect(packText.includes("silence example") && !packText.includes("intelligence markers"),
    "the public board pack carries the action and leaves Part 2 out");
  const [fullPdf] = await Promise.all([page.waitForEvent("download"), page.click("text=full pack with Part 2 (PDF)")]);
  expect(readFileSync(await fullPdf.path()).subarray(0, 5).toString() === "%PDF-", "the full board pack downloads as a PDF");

  // The force lead moves the action on with a note, and writes the force's response.
  page = lee.page;
  await page.goto(base + "/force");
  await submit(page.locator("tr", { hasText: "silence example" }).locator("a"), null);
  await audit(page, "action");
  await page.fill("#note", "Example added to the refresher slides.");
  await page.selectOption("#status", "in-progress");
  await page.selectOption("#rag", "green");
  await submit(page, "text=Save the update");
  expect((await page.textContent("main")).includes("Example added to the refresher slides."), "the progress note is kept on the action");
  await page.goto(base + "/reports/texts?year=2026");
  await audit(page, "report-texts");
  await page.fill("#text-force-response", "The force accepts the panel's findings on silences.");
  await submit(page, "text=Save the force's management response");
  expect((await page.inputValue("#text-force-response")).includes("accepts the panel's findings"), "the force's response is saved");

  // 4. The coordinator downloads the session report.
  page = coord.page;
  await page.goto(sessionUrl);
  const [rep] = await Promise.all([page.waitForEvent("download"), page.click("text=Download the session report (Markdown)")]);
  const report = readFileSync(await rep.path(), "utf8");
  expect(report.includes("Silence of several seconds not explained") && report.includes("Handler spoken to"),
    "the session report carries the issue and the response");
  const [repPdf] = await Promise.all([page.waitForEvent("download"), page.click("text=Download the session report (PDF)")]);
  const pdfBytes = readFileSync(await repPdf.path());
  expect(pdfBytes.subarray(0, 5).toString() === "%PDF-" && pdfBytes.length > 10000, "the session report downloads as a PDF");
  await page.click("text=Read the session report");
  expect((await page.textContent("h1")).startsWith("Session report"), "the session report reads as a page");
  expect((await page.textContent("main")).includes("Handler spoken to"), "the page carries the response");
  await audit(page, "session-report-html");
  await page.goto(sessionUrl);
  // The session closes; an auditor who sat on it reads what came of it, without the recordings.
  await submit(page, "text=Close the session");
  expect((await page.textContent("h1")) === "Close the session?", "closing asks first, saying what it means");
  await audit(page, "close-check");
  await submit(page, "button:has-text('Close the session')");
  expect((await page.textContent(".notification-banner")).includes("The session is closed"), "closing is confirmed");
  page = await alex.context.newPage();
  watch(page, "alex-after");
  await page.goto(sessionUrl);
  await audit(page, "auditor-closed-session");
  await submit(page, "text=Read the session report");
  expect((await page.textContent("main")).includes("Handler spoken to"), "the auditor reads the force's response after the session");
  expect(await page.locator("audio").count() === 0, "and hears no recording");
  page = coord.page;
  await page.goto(sessionUrl);
  // The coordinator's list of auditors, and adding one.
  await page.goto(base + "/auditors");
  await audit(page, "auditors");
  await page.fill("#name", "Dana Volunteer");
  await page.fill("#email", "dana.volunteer@demo.callaudit.invalid");
  await page.fill("#password", "a long first password");
  await submit(page, "text=Add the auditor");
  expect((await page.textContent("main")).includes("Dana Volunteer"), "the coordinator adds an auditor");
  // A new volunteer cannot be put on a panel until the agreement and the vetting are recorded.
  const planDana = async () => {
    await page.goto(base + "/sessions");
    await page.fill("#held_on-day", "15");
    await page.fill("#held_on-month", "3");
    await page.fill("#held_on-year", "2027");
    await page.check("label:has-text('Dana Volunteer')");
    await page.check("label:has-text('Alex Auditor')");
    await submit(page, "text=Plan the session");
  };
  await planDana();
  expect((await page.textContent(".error-summary")).includes("Dana Volunteer cannot sit on a panel on 15 March 2027: they have not accepted the confidentiality agreement"),
    "a volunteer without the agreement is refused a panel, with the reason");
  expect(await page.locator("label:has-text('Dana Volunteer')").count() === 1
    && await page.isChecked("label:has-text('Dana Volunteer')"), "the panel comes back as ticked");
  await audit(page, "plan-refused-training");
  await page.goto(base + "/auditors");
  await submit(page, "a:has-text('Dana Volunteer')");
  await audit(page, "training-record");
  for (const [name, [d, m, y]] of Object.entries({ agreement_on: [2, 11, 2026], induction_on: [2, 11, 2026], vetted_on: [1, 11, 2026], vetting_expires_on: [31, 10, 2029] })) {
    await page.fill(`#${name}-day`, String(d));
    await page.fill(`#${name}-month`, String(m));
    await page.fill(`#${name}-year`, String(y));
  }
  await submit(page, "text=Save the training record");
  expect((await page.textContent(".notification-banner")).includes("Training record saved"), "the training record is saved");
  expect((await page.textContent("main")).includes("Accepted on 2 November 2026"), "the record shows the agreement's date");
  await audit(page, "training-saved");
  await planDana();
  expect(/\/sessions\/\d+$/.test(new URL(page.url()).pathname), `with the record made, the session is planned (at ${page.url()})`);
  expect((await page.textContent("main")).includes("Dana Volunteer"), "Dana sits on the planned panel");
  // How alike the demo's auditors read calls in 2025/26: per auditor, per question, by quarter.
  await page.goto(base + "/auditors");
  await submit(page, "text=How alike auditors read calls");
  await page.goto(base + "/auditors/agreement?year=2025");
  const agreementText = await page.textContent("main");
  expect(agreementText.includes("Each auditor against the rest of the panel") && agreementText.includes("Alex Auditor")
    && /\d\.\d\d to \d\.\d\d/.test(agreementText), "the coordinator reads each auditor's agreement with an interval");
  await audit(page, "agreement");
  // A call from a closed session kept as a reference for the training library.
  await page.goto(sessionUrl);
  await submit(page, "a:has-text('Keep as a reference') >> nth=0");
  await audit(page, "reference-form");
  await page.check("#example-good");
  await page.fill("#commentary", "Calm, clear and in command from the first words.");
  await submit(page, "button:has-text('Keep as a reference call')");
  expect((await page.textContent(".notification-banner")).includes("Reference call kept"), "the reference call is kept");
  expect((await page.textContent("main")).includes("Calm, clear and in command from the first words."), "the library shows the commentary");
  await audit(page, "training-library");
  // A calibration session from the reference call: a volunteer scores it, finishes and sees
  // their answers beside the agreed ones; the coordinator sees how each did.
  await page.goto(base + "/auditors");
  await submit(page, "text=Plan a calibration session");
  await audit(page, "calibration-plan");
  await submit(page, "text=Plan the calibration session");
  expect((await page.locator(".error-summary a[href='#held_on-day']").count()) === 1
    && (await page.textContent(".error-summary")).includes("Select at least one auditor to take part"),
    "a calibration plan with nothing filled in lists each problem, linked");
  await audit(page, "calibration-plan-refused");
  const now = new Date();
  await page.fill("#held_on-day", String(now.getDate()));
  await page.fill("#held_on-month", String(now.getMonth() + 1));
  await page.fill("#held_on-year", String(now.getFullYear()));
  await page.check("label:has-text('Alex Auditor')");
  await page.locator("input[name=reference]").first().check();
  await submit(page, "text=Plan the calibration session");
  expect((await page.textContent(".notification-banner")).includes("The calibration session is planned and open"), "the calibration session is planned");
  const calibrationUrl = page.url().split("?")[0];
  await audit(page, "calibration-session");
  {
    const cal = await signIn(browser, "alex.auditor", "alex-calibration");
    const p = cal.page;
    await p.goto(calibrationUrl);
    await submit(p, "text=Call 1");
    expect(await p.locator("input[name=category]").count() === 0, "a calibration call asks no category");
    for (const input of await p.locator("input[type=radio][value=yes]").all()) { await input.check(); }
    await p.check("#q-greeting-no");
    await submit(p, "button:has-text('Save and finish')");
    expect((await p.textContent("h1")) === "Your answers", "the last call leads to the volunteer's answers");
    await audit(p, "calibration-answers");
    await submit(p, "text=I have finished: show my comparison");
    const compared = await p.textContent("main");
    expect(compared.includes("Your answers beside the agreed answers") && compared.includes("Different") && /\d+ of \d+ answers \(\d+%; 95% interval/.test(compared),
      "the volunteer sees each answer beside the agreed one, and the share with its interval");
    await audit(p, "calibration-comparison");
    await cal.context.close();
  }
  await page.goto(calibrationUrl);
  expect(/Alex Auditor[\s\S]*\d+ of \d+ answers/.test(await page.textContent("main")), "the coordinator sees how the volunteer did");
  await audit(page, "calibration-coordinator");
  // A pool upload with a mistake: every problem listed, nothing written.
  await page.goto(base + "/pool");
  await audit(page, "pool");
  await page.setInputFiles("#file", { name: "export.csv", mimeType: "text/csv",
    buffer: Buffer.from("call_id,started_at,channel,incident_type\nX-1,2026-04-02 10:00,pigeon,ASB\n") });
  await submit(page, "text=Upload and import");
  expect((await page.textContent("main")).includes("line 2, column channel"), "the upload's problem is shown with its line and column");
  await audit(page, "pool-problems");
  // A column profile saved in the browser: a mistake is shown, then it is saved and offered.
  await page.fill("#profile-name", "demoshire-cad");
  await page.fill("#profile-text", "[columns]\ncaller_phone = \"Tel\"\n");
  await submit(page, "text=Save the profile");
  expect((await page.textContent("main")).includes("is not a call-pool column"), "a profile's mistake is shown before anything is saved");
  await audit(page, "pool-profile-refused");
  await page.fill("#profile-text", "[columns]\ncall_id = \"Event\"\n\n[values.channel]\n\"EMERGENCY\" = \"999\"\n");
  await submit(page, "text=Save the profile");
  expect((await page.textContent("main")).includes("The profile demoshire-cad is saved"), "the profile is saved");
  expect(await page.locator("#profile option[value=demoshire-cad]").count() === 1, "the saved profile is offered for the next upload");
  await audit(page, "pool-profile-saved");
  // The programmes: a mistake comes back as typed, then a new focus theme reaches the planning form.
  await page.goto(base + "/programmes");
  await audit(page, "programmes");
  const first = page.locator("section.programme").first();
  await first.locator("summary").click();
  await first.locator("input[name=max_sample]").fill("500");
  await first.locator("textarea[name=focus]").fill("HATE CRIME\nFIREARMS\nDOG ATTACKS");
  // The browser's own check would stop a number out of range before it is sent; the server's
  // check is the one under test here.
  await first.locator("form").evaluate((f) => f.setAttribute("novalidate", ""));
  await submit(first.locator("button[type=submit]"), null);
  expect((await page.textContent("main")).includes("Largest sample"), "an out-of-range sample size is refused and explained");
  expect((await page.inputValue("section.programme >> nth=0 >> textarea[name=focus]")).includes("DOG ATTACKS"), "the refused form keeps what was typed");
  await audit(page, "programmes-refused");
  await page.locator("section.programme").first().locator("input[name=max_sample]").fill("12");
  await page.locator("section.programme").first().locator("input[name=log_details]").check();
  await submit(page.locator("section.programme").first().locator("button[type=submit]"), null);
  expect((await page.textContent("main")).includes("is saved"), "the programme's settings are saved");
  expect(await page.locator("section.programme").first().locator("input[name=log_details]").isChecked(),
    "the programme now shows its auditors what the log's checks and markers say");
  await page.goto(base + "/sessions");
  expect((await page.textContent("main")).includes("DOG ATTACKS"), "a new focus theme can be planned around");
  for (const [path, label] of [["/actions", "actions"], ["/performance", "performance"], ["/reports", "reports"], ["/reports/annual?year=2025&format=html", "annual-report"]]) {
    await page.goto(base + path);
    await audit(page, label);
  }
  // The force's daily totals: a form shown again starts at its error summary, each problem
  // linked to its field, what was typed kept; saving confirms with a banner.
  await page.goto(base + "/pool/totals");
  await page.fill("#date-month", "Apryl");
  await submit(page, "text=Save the total");
  expect(await page.evaluate(() => document.activeElement.classList.contains("error-summary")), "the error summary takes the focus");
  expect((await page.locator(".error-summary a[href='#date-day']").count()) === 1 && (await page.locator(".error-summary a[href='#calls']").count()) === 1,
    "each problem links to its field");
  expect((await page.inputValue("#date-month")) === "Apryl", "the refused form keeps what was typed");
  await audit(page, "totals-refused");
  await page.locator(".error-summary a[href='#calls']").click();
  expect(await page.evaluate(() => document.activeElement.id === "calls"), "the summary's link takes the focus to the field");
  await page.fill("#date-day", "16");
  await page.fill("#date-month", "4");
  await page.fill("#date-year", "2026");
  await page.fill("#calls", "312");
  await submit(page, "text=Save the total");
  expect((await page.textContent(".notification-banner")).includes("16 April 2026: 312 calls"), "saving confirms what was saved");
  await audit(page, "totals-saved");
  // A real export with headers of its own (Seattle's dispatch export), uploaded as it comes: the
  // file goes to the column mapper, kept, and is mapped, checked, saved as a profile and imported
  // without a line of TOML typed.
  await page.goto(base + "/pool");
  await page.setInputFiles("#file", new URL("../crates/ingest/tests/data/seattle-cad-2018-2023.csv", import.meta.url).pathname);
  await submit(page, "text=Upload and import");
  expect(/\/pool\/map\/[0-9a-f]{64}\/columns/.test(page.url()), `an export with other headers goes to the mapper (at ${page.url()})`);
  expect((await page.textContent("main")).includes("names its columns in its own way"), "the mapper says why it is shown");
  expect((await page.inputValue("#call_id")) === "CAD Event Number" && (await page.inputValue("#started_at")) === "Original Time Queued"
    && (await page.inputValue("#channel")) === "Call Type" && (await page.inputValue("#grade")) === "Priority",
    "the columns are guessed from the export's headers");
  await audit(page, "map-columns");
  await page.selectOption("#call_id", "");
  await page.selectOption("#area", "Sector");
  await submit(page, "text=Continue");
  expect(await page.evaluate(() => document.activeElement.classList.contains("error-summary")), "the mapper's error summary takes the focus");
  expect((await page.locator(".error-summary a[href='#call_id']").count()) === 1, "the unanswered column is linked from the summary");
  expect((await page.inputValue("#area")) === "Sector", "the refused answers are kept as chosen");
  await audit(page, "map-columns-refused");
  await page.selectOption("#call_id", "CAD Event Number");
  await page.selectOption("#area", "Precinct");
  await submit(page, "text=Continue");
  expect(/\/values$/.test(page.url()), "the columns are saved and the values asked next");
  expect((await page.inputValue("#channel-0")) === "999" && (await page.locator("label[for=channel-1]").textContent()).includes("TELEPHONE OTHER, NOT 911")
    && (await page.inputValue("#channel-1")) === "101", "the channel values are guessed from their words");
  await audit(page, "map-values");
  // Seattle's own grades: 4 is still a standard response there, 5 and 7 are scheduled.
  for (const [value, grade] of [["4", "STANDARD"], ["5", "SCHEDULED"], ["7", "SCHEDULED"]]) {
    const id = await page.locator("label", { hasText: `“${value}”` }).getAttribute("for");
    await page.selectOption(`#${id}`, grade);
  }
  await submit(page, "text=Continue");
  expect((await page.textContent("main")).includes("Only this layout reads every time in the file"), "the US date layout is detected");
  expect((await page.locator("input[name=layout]:checked").inputValue()) === "%m/%d/%Y %I:%M:%S %p", "and chosen");
  await page.fill("#timezone", "Pacific");
  await submit(page, "text=Continue");
  expect((await page.locator(".error-summary a[href='#timezone']").count()) === 1, "a time zone that does not exist is refused");
  await audit(page, "map-dates-refused");
  await page.fill("#timezone", "America/Los_Angeles");
  await submit(page, "text=Continue");
  expect((await page.textContent("main")).includes("All 222 rows read without a problem"), "the check reads the whole file with the answers");
  expect((await page.textContent("main")).includes("4 November 2023, 18:08:26"), "the first row's time reads as Seattle wrote it");
  expect((await page.inputValue("#name")) === "seattle-cad-2018-2023", "a profile name is suggested from the file's name");
  await audit(page, "map-check");
  await page.fill("#name", "Seattle");
  await submit(page, "button:has-text('Save the profile')");
  expect((await page.locator(".error-summary a[href='#name']").count()) === 1, "a name with capitals is refused");
  await page.fill("#name", "seattle");
  await submit(page, "button:has-text('Save the profile')");
  expect((await page.textContent(".notification-banner")).includes("The profile seattle is saved"), "the profile is saved");
  await audit(page, "map-saved");
  await submit(page, "button:has-text('Import seattle-cad-2018-2023.csv')");
  expect((await page.textContent("main")).includes("seattle-cad-2018-2023.csv imported: 222 added"), "the file is imported with the profile made for it");
  expect(await page.locator("#profile option[value=seattle]").count() === 1, "the mapped profile is offered for the next export");
  // Publishing the demo year: every mask is shown before anything goes out; the public reads it
  // without signing in.
  await page.goto(base + "/reports/publish?year=2026");
  await audit(page, "publish");
  expect((await page.locator("mark", { hasText: "Mrs Hughes" }).count()) === 1, "the name in the kept issue is shown as a mask to accept or undo");
  await submit(page, "text=Publish the 2026/27 report");
  expect((await page.textContent("main")).includes("Last published"), "the year is published");
  await audit(page, "published");
  {
    const ctx = await browser.newContext();
    const pub = await ctx.newPage();
    watch(pub, "public");
    await pub.goto(base + "/public/demo/2026");
    const text = await pub.textContent("main");
    expect(text.includes("The sessions held") && text.includes("[name removed] asked twice") && !text.includes("Hughes"),
      "the public reads the published report with its sessions, the name masked");
    await audit(pub, "public-report");
    await ctx.close();
  }

  // The deputy crime registrar validates the last dip sample's results, by keyboard alone: a
  // result counts in the Crime Data Integrity report only then (seed 002).
  {
    const dan = await signIn(browser, "dan.deputy", "registrar");
    const page = dan.page;
    await page.goto(base + "/sessions");
    await audit(page, "registrar-sessions");
    await submit(page.locator("a", { hasText: "15 March 2026" }), null);
    await submit(page, "text=Validate the results");
    await audit(page, "validate");
    const before = await page.textContent("main");
    expect(before.includes("0 of 43 checked records are validated"), `the last dip sample awaits validation: ${before.slice(0, 400)}`);
    const first = page.locator("form[action$='/validate'] button").first();
    await first.focus();
    await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
    expect((await page.textContent(".notification-banner")).includes("is validated"), "the banner says the record is validated");
    expect((await page.textContent("main")).includes("1 of 43 checked records are validated"), "one more result counts");
    await audit(page, "validated");
    await page.goto(base + "/reports/cdi?year=2025&format=html");
    const report = await page.textContent("body");
    expect(report.includes("VIOLENCE (C10)") && report.includes("42 checked records await a second registrar's validation"),
      "the report counts validated results only, with seed 002's codes");
    await dan.context.close();
  }

  // The other roles' pages.
  for (const [name, label, paths] of [["ada.admin", "admin", ["/", "/admin/users", "/admin/mail"]], ["val.viewer", "viewer", ["/", sessionUrl]], ["lee.lead", "lead", ["/"]]]) {
    const s = await signIn(browser, name, label);
    for (const p of paths) {
      await s.page.goto(p.startsWith("http") ? p : base + p);
      await audit(s.page, `${label}-${p === "/" ? "home" : p.split("/").pop()}`);
    }
    await s.context.close();
  }
} catch (e) {
  fail(`the run stopped: ${e.stack || e}`);
} finally {
  await browser.close();
}

console.log(`${checked} pages checked with axe-core; screenshots in ${shots}`);
if (problems.length) {
  console.error(`${problems.length} problem(s)`);
  process.exit(1);
}
console.log("end-to-end session: ok");
