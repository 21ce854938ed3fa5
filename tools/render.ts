import * as path from "path";
import { parseArgs } from "util";

const USAGE = "usage: npm run render -- [--stack <name>] [--out <dir>]   (defaults: --stack dev --out out/render)";

async function main(): Promise<number> {
  let options: { stack: string; out: string; help?: boolean };
  try {
    ({ values: options } = parseArgs({
      options: {
        stack: { type: "string", default: "dev" },
        out: { type: "string", default: path.join("out", "render") },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }) as { values: typeof options });
  } catch (error) {
    console.error(`render: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  // Loaded after the flags are checked: the program and the Pulumi SDK take a while to load.
  const { renderStack } = await import("./render/render-stack");
  const { writeRender } = await import("./render/render-output");
  const { describeFootprint, footprint } = await import("./render/footprint");
  const { resourcesPerComponent } = await import("./render/summary");
  const started = Date.now();
  const resources = await renderStack({ stack: options.stack });
  const outDir = path.resolve(options.out);
  const written = writeRender(outDir, resources);
  console.log(`Rendered stack "${options.stack}" in ${Date.now() - started} ms → ${outDir}`);
  console.log(`  ${resources.length} resources, ${written.manifests} Kubernetes manifests, ${written.files} artifact files`);
  console.log(`  footprint: ${describeFootprint(footprint(resources))}`);
  for (const [component, count] of resourcesPerComponent(resources)) console.log(`  ${String(count).padStart(4)}  ${component}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`render: ${error.message}`);
    process.exit(1);
  },
);
