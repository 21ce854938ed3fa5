/** Rewrites test/fixtures/urns/<stack>.json from the offline render (npm run urns:snapshot). */
import * as fs from "fs";
import * as path from "path";
import { URN_STACKS, renderForUrns, urnsByIdentity } from "./urn-contract";

async function main() {
  for (const stack of Object.keys(URN_STACKS)) {
    const file = path.join(__dirname, "..", "test", "fixtures", "urns", `${stack}.json`);
    fs.writeFileSync(file, `${JSON.stringify(urnsByIdentity(await renderForUrns(stack)), null, 2)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
