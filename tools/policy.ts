import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import type { RecordedResource } from "./render/mock-engine";

// The flags are checked before anything heavy loads: the program (and @pulumi/kubernetes) only
// loads for the render, so a usage or config error answers at once.

const USAGE = [
  "usage: npm run policy -- [--stack <name>] [--config <file>] [--set <key>=<json>]... [--preview] [--json]",
  "  --stack <name>   stack to render offline and check (Pulumi.<name>.yaml; default dev)",
  "  --config <file>  policy pack config JSON, as for `pulumi preview --policy-pack-config` (default: policies/config.<stack>.json when it exists)",
  '  --set <key>=<json>  a stack config value for this run, e.g. --set \'services={"user_service":{"replicas":1}}\' (replaces the key\'s value)',
  "  --preview        render as `pulumi preview` does (computed outputs such as image digests unknown) and list what stays unchecked",
  "  --json           print the evaluation as JSON instead of the report",
  "exit status: 0 no mandatory violation, 1 a mandatory violation or a policy error (or the render failed), 2 usage or config error",
].join("\n");

async function main(): Promise<number> {
  let options: { stack: string; config?: string; set?: string[]; preview?: boolean; json?: boolean; help?: boolean };
  try {
    ({ values: options } = parseArgs({
      options: {
        stack: { type: "string", default: "dev" },
        config: { type: "string" },
        set: { type: "string", multiple: true },
        preview: { type: "boolean" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }) as { values: typeof options });
  } catch (error) {
    console.error(`policy: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const overrides: Record<string, unknown> = {};
  for (const assignment of options.set ?? []) {
    const at = assignment.indexOf("=");
    if (at < 1) {
      console.error(`policy: --set ${assignment}: expected <key>=<json value>\n${USAGE}`);
      return 2;
    }
    const raw = assignment.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // A plain string.
    }
    overrides[`microservices-ecosystem:${assignment.slice(0, at)}`] = value;
  }
  if (!options.stack) {
    console.error(`policy: --stack needs a stack name\n${USAGE}`);
    return 2;
  }
  const { PACK_NAME, POLICIES } = await import("../policies/src");
  const { PolicyConfigError, loadPolicyConfig } = await import("./policy/config");
  let config = {};
  // As CI runs it: the stack's own policy config (policies/config.<stack>.json) unless --config names one.
  const stackConfig = path.join(__dirname, "..", "policies", `config.${options.stack}.json`);
  const configFile = options.config ? path.resolve(options.config) : fs.existsSync(stackConfig) ? stackConfig : undefined;
  if (configFile) {
    try {
      config = loadPolicyConfig(configFile, POLICIES);
    } catch (error) {
      if (error instanceof PolicyConfigError) {
        console.error(`policy: ${error.message}`);
        return 2;
      }
      throw error;
    }
  }

  const { blocksDeployment, evaluate, fromRecorded } = await import("./policy/evaluate");
  const { formatReport } = await import("./policy/report");
  let resources: RecordedResource[];
  try {
    const { renderStack } = await import("./render/render-stack");
    resources = await renderStack({ stack: options.stack, overrides, preview: options.preview });
  } catch (error) {
    console.error(`policy: rendering stack "${options.stack}" failed: ${(error as Error).message}`);
    return 1;
  }
  const evaluation = await evaluate(POLICIES, fromRecorded(resources), config);
  const version = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "policies", "package.json"), "utf8")).version;
  const { formatUnknownValues, unknownValues } = await import("./policy/unchecked");
  const unknowns = options.preview ? unknownValues(resources) : undefined;
  if (options.json) {
    const preview = options.preview ?? false;
    console.log(JSON.stringify({ pack: PACK_NAME, version, stack: options.stack, preview, ...evaluation, unknownValues: unknowns }, null, 2));
  } else {
    const source = configFile ? `policies, config ${path.relative(process.cwd(), configFile)}` : "policies";
    console.log(formatReport(PACK_NAME, version, evaluation, { stack: options.stack, source }));
    if (unknowns) console.log(`\n${formatUnknownValues(unknowns)}`);
  }
  return blocksDeployment(evaluation) ? 1 : 0;
}

main().then(
  // Exit once stdout is flushed: a large report (--json) to a pipe would otherwise be cut short.
  (code) => process.stdout.write("", () => process.exit(code)),
  (error: Error) => {
    console.error(`policy: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
