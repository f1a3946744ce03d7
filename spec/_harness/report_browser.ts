/**
 * `deno task test:report`: loads the gate's HTML report (`out/gate/index.html`,
 * written by `deno task gate`) in headless Chromium and checks that the page
 * ran without script errors and that every chart drew its series (the page's
 * own check writes `data-charts="<drawn>/<total>"` and `data-errors` on
 * `<body>`); then writes a screenshot to `out/gate/screenshot.png`. Without
 * Chromium it fails, saying what to install — it never passes silently.
 *
 * @module
 */

const PAGE = "out/gate/index.html";
const CANDIDATES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

async function findChromium(): Promise<string | null> {
  for (const c of CANDIDATES) {
    try {
      const r = await new Deno.Command(c, { args: ["--version"], stdout: "null", stderr: "null" })
        .output();
      if (r.success) return c;
    } catch {
      // not installed under this name
    }
  }
  return null;
}

async function chromium(bin: string, args: string[]): Promise<{ out: string; err: string }> {
  const r = await new Deno.Command(bin, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--allow-file-access-from-files",
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!r.success) {
    throw new Error(`${bin} failed (exit ${r.code}): ${dec.decode(r.stderr).slice(-800)}`);
  }
  return { out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

async function main(): Promise<number> {
  const bin = await findChromium();
  if (bin === null) {
    console.error(
      "test:report: no Chromium found (tried " + CANDIDATES.join(", ") + "). Install it: " +
        "apt-get install -y chromium (Debian/Ubuntu), then run deno task gate and this task again.",
    );
    return 2;
  }
  let html: string;
  try {
    html = await Deno.readTextFile(PAGE);
  } catch {
    console.error(`test:report: ${PAGE} is missing: run deno task gate first`);
    return 2;
  }
  const url = new URL(PAGE, `file://${Deno.cwd()}/`).href;
  const { out: dom } = await chromium(bin, ["--virtual-time-budget=5000", "--dump-dom", url]);
  const charts = /data-charts="(\d+)\/(\d+)"/.exec(dom);
  const errors = /data-errors="(\d+)"/.exec(dom);
  const total = (html.match(/<svg /g) ?? []).length;
  const failures: string[] = [];
  if (charts === null || errors === null) {
    failures.push("the page's check did not run (no data-charts)");
  } else {
    if (Number(errors[1]) !== 0) failures.push(`${errors[1]} script errors on the page`);
    if (charts[1] !== charts[2]) {
      failures.push(`only ${charts[1]} of ${charts[2]} charts drew paths`);
    }
    if (Number(charts[2]) !== total) {
      failures.push(`${charts[2]} charts found, ${total} in the file`);
    }
    if (total === 0) failures.push("the report has no charts");
  }
  await chromium(bin, [
    "--window-size=1400,1800",
    "--hide-scrollbars",
    `--screenshot=${Deno.cwd()}/out/gate/screenshot.png`,
    url,
  ]);
  const shot = await Deno.stat("out/gate/screenshot.png").catch(() => null);
  if (shot === null || shot.size < 10_000) failures.push("no usable screenshot was written");
  if (failures.length > 0) {
    console.error(`test:report: FAILED: ${failures.join("; ")}`);
    return 1;
  }
  console.log(
    `test:report: ok: ${charts![2]} charts drawn, 0 script errors; screenshot ` +
      `out/gate/screenshot.png (${shot!.size} bytes)`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(await main());
