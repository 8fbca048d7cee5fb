// Drives the dashboard in headless Chromium (Debian's, through playwright-core) for DashboardBrowserTest.
// Usage: node dashboard.spec.mjs <base url> <api key> <screenshot path> <instance name>
// Talks to the Java test line by line: prints "READY", then reads "DEPLOYMENT <id>" (the canary the test
// started through the API); prints "STEP <text>" checkpoints and "OK" at the end. Exit code 0 only on success.
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const [baseUrl, key, screenshot, instanceName] = process.argv.slice(2);
const WAIT = { timeout: 30_000 };
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const started = Date.now();
const say = (text) => console.log(`${text}`.startsWith("READY") || text === "OK" ? text : `${text} (+${((Date.now() - started) / 1000).toFixed(1)} s)`);

function fail(message) {
  throw new Error(message);
}

async function nextLine(prefix) {
  const { value, done } = await lines.next();
  if (done || !value.startsWith(prefix)) {
    fail(`expected "${prefix}…" from the test, got ${done ? 'end of input' : value}`);
  }
  return value.slice(prefix.length).trim();
}

const browser = await chromium.launch({
  executablePath: process.env.CTRLPLANE_CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
});
const problems = [];
const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
try {
  // failed requests are judged by their URL below (the console line does not name it)
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource')
    && problems.push(`console: ${m.text()}`));
  let wrongKeyTried = false; // until the right key is entered, the 401 of the wrong one is expected
  page.on('response', (r) => r.status() >= 400 && !(wrongKeyTried && r.status() === 401)
    && problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.setDefaultTimeout(WAIT.timeout);

  await page.goto(baseUrl + '/');
  wrongKeyTried = true;
  await page.getByLabel('API key', { exact: true }).fill('cp_not-a-key');
  await page.getByRole('button', { name: 'Connect' }).click();
  await page.getByRole('alert').filter({ hasText: 'refused (401)' }).waitFor(WAIT);
  if (await page.evaluate(() => sessionStorage.length) !== 0) fail('a refused key was kept');
  say('STEP a wrong key is refused and not kept');
  wrongKeyTried = false;
  await page.getByLabel('API key', { exact: true }).fill(key);
  await page.getByRole('button', { name: 'Connect' }).click();
  const instance = page.locator('.instance-button', { hasText: instanceName });
  await instance.waitFor(WAIT);
  await page.locator('#current-release', { hasText: 'v1' }).waitFor(WAIT);
  await page.locator('#history li[data-version="1"]').waitFor(WAIT);
  // live updates come from the instance's event stream (GET /v1/instances/{id}/watch), not from polling
  await page.locator('#connection', { hasText: 'live: stream' }).waitFor(WAIT);
  say('STEP instance shown with v1 live');

  const storage = await page.evaluate(() => ({
    session: sessionStorage.getItem('ctrlplane.api_key'),
    local: localStorage.length,
    cookie: document.cookie,
    url: location.href,
  }));
  if (storage.session !== key) fail('the key is not in sessionStorage');
  if (storage.local !== 0) fail(`localStorage has ${storage.local} items`);
  if (storage.cookie !== '') fail(`cookies set: ${storage.cookie}`);
  if (storage.url.includes(key)) fail('the key is in the URL');
  say('STEP key only in sessionStorage');

  // a marker on window: it survives only if the page is never reloaded
  await page.evaluate(() => { window.ctrlplaneNoReload = true; });
  say('READY');
  const deploymentId = await nextLine('DEPLOYMENT');

  const panel = page.locator(`#deployment[data-deployment-id="${deploymentId}"]`);
  await panel.waitFor(WAIT);
  await page.locator('#traffic[data-new="25"]').waitFor(WAIT);
  await page.locator('#progress-live', { hasText: '(paused)' }).waitFor(WAIT);
  await page.locator('#steps li.current[aria-current="step"]', { hasText: 'pause' }).waitFor(WAIT);
  await page.locator('#steps li.done').first().waitFor(WAIT);
  // the analysis step before the pause: one chart for its metric, both measurements on it, and the limit
  const chart = page.locator('#analysis-charts figure[data-metric="errors"][data-points="2"]');
  await chart.waitFor(WAIT);
  if (await chart.locator('circle.point.successful').count() !== 2) fail('the chart does not show 2 successful measurements');
  if (await chart.locator('polyline.limit').count() !== 1) fail('the chart has no limit line');
  say(`STEP analysis chart: ${await chart.locator('figcaption').textContent()}`);
  say(`STEP live progress: ${await page.locator('#progress-live').textContent()}`);
  say(`STEP traffic: ${await page.locator('#traffic').getAttribute('aria-label')}`);
  await page.locator('#history li[data-version="2"]', { hasText: 'running' }).waitFor(WAIT);
  if (await page.locator('#history li[data-version="2"] button').count() !== 0) fail('v2 in flight offers a rollback');
  await page.screenshot({ path: screenshot.replace(/\.png$/, '-paused.png'), fullPage: true });

  // promote with the keyboard: focus the button, Enter opens the dialog, Tab to Confirm, Enter
  const promote = page.getByRole('button', { name: 'Promote' });
  await promote.focus();
  if (await promote.isDisabled()) fail('Promote is disabled during the pause');
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Promote this deployment?' });
  await dialog.waitFor(WAIT);
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement?.id);
  if (focused !== 'confirm-yes') fail(`Tab in the dialog focused ${focused}, not Confirm`);
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'hidden', ...WAIT });
  say('STEP promote confirmed');

  await page.locator(`#deployment[data-deployment-id="${deploymentId}"][data-state="succeeded"]`).waitFor(WAIT);
  await page.locator('#deployment-state', { hasText: 'succeeded' }).waitFor(WAIT);
  await page.locator('#current-release', { hasText: 'v2' }).waitFor(WAIT);
  await page.locator('#traffic[data-new="100"]').waitFor(WAIT);
  await page.locator('#history li.current[data-version="2"]').waitFor(WAIT);
  await page.locator('#event-feed li', { hasText: 'deploy.succeeded' }).filter({ hasText: `${instanceName} v2` })
    .waitFor(WAIT);
  if (!await page.evaluate(() => window.ctrlplaneNoReload === true)) fail('the page was reloaded');
  say(`STEP succeeded without reload; connection: ${await page.locator('#connection').textContent()}`);

  await page.locator('#history li[data-version="2"]', { hasText: 'by ci-deployer' }).waitFor(WAIT);
  await page.screenshot({ path: screenshot, fullPage: true });
  say(`STEP screenshot ${screenshot}`);

  // roll back to v1 from the history: a new release v3 carrying v1, marked as a rollback, replaces v2
  await page.locator('#history li[data-version="1"]').getByRole('button', { name: 'Roll back to v1' }).click();
  const rollbackDialog = page.getByRole('dialog', { name: 'Roll back to v1?' });
  await rollbackDialog.waitFor(WAIT);
  await rollbackDialog.getByRole('button', { name: 'Roll back to v1' }).click();
  await page.locator('#history li.current.rollback[data-version="3"]', { hasText: 'rollback to v1' }).waitFor(WAIT);
  await page.locator('#current-release', { hasText: 'v3' }).waitFor(WAIT);
  await page.locator('#history li[data-version="2"]', { hasText: 'rolled back' }).waitFor(WAIT);
  await page.screenshot({ path: screenshot.replace(/\.png$/, '-rollback.png'), fullPage: true });
  say('STEP rolled back to v1 as v3');
  if (problems.length > 0) fail(`browser reported problems:\n${problems.join('\n')}`);
  say('OK');
} catch (error) {
  console.error(error.stack || String(error));
  if (problems.length > 0) console.error(problems.join('\n'));
  await page.screenshot({ path: screenshot.replace(/\.png$/, '-failure.png'), fullPage: true }).catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
  process.stdin.destroy();
}
