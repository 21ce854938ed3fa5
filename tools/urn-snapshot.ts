/**
 * Adds the URNs of what each stack now declares to test/fixtures/urns/<stack>.json (npm run urns:snapshot).
 * An entry already there is kept: stacks deployed from an earlier version hold that URN, which the
 * program must keep answering to (or alias). `--rewrite` starts the files afresh.
 */
import * as fs from "fs";
import * as path from "path";
import { URN_STACKS, renderForUrns, urnsByIdentity } from "./urn-contract";

async function main() {
  const rewrite = process.argv.includes("--rewrite");
  for (const stack of Object.keys(URN_STACKS)) {
    const file = path.join(__dirname, "..", "test", "fixtures", "urns", `${stack}.json`);
    const kept = !rewrite && fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>) : {};
    const merged = { ...urnsByIdentity(await renderForUrns(stack)), ...kept };
    const sorted = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    fs.writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), file)} (${Object.keys(sorted).length - Object.keys(kept).length} new)`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
