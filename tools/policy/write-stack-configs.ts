/** Rewrites policies/config.dev.json and policies/config.prod.json from the catalog (npm run policy:config). */
import * as fs from "fs";
import * as path from "path";
import { stackPolicyConfigText } from "./stack-policy-config";

for (const environment of ["dev", "prod"] as const) {
  const file = path.join(__dirname, "..", "..", "policies", `config.${environment}.json`);
  fs.writeFileSync(file, stackPolicyConfigText(environment));
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
