import { SERVICES, ServiceEntry } from "../catalog";
import { renderStack } from "./render/render-stack";

/**
 * Render timings: the dev stack, and a synthetic catalog of 64 services (the spec's eight plus
 * 56 more, each depending on the one before) to show how rendering scales with services.
 */
function syntheticCatalog(size: number): ServiceEntry[] {
  const extra = Array.from({ length: size - SERVICES.length }, (_, i): ServiceEntry => {
    const name = `synthetic${String(i).padStart(2, "0")}_service`;
    return {
      imageName: `synthetic${i}`,
      documents: [],
      config: {
        service_name: name,
        port: 9000 + i,
        replicas: 2,
        status: "configured",
        dependencies: i === 0 ? ["user_service"] : [`synthetic${String(i - 1).padStart(2, "0")}_service`],
        circuit_breaker: { failure_threshold: 5, timeout: 30, fallback_enabled: true },
      },
    };
  });
  return [...SERVICES, ...extra];
}

/** The median time of `runs` renders, and how many resources one registers. */
async function timeRender(services: readonly ServiceEntry[], runs: number): Promise<{ ms: number; resources: number }> {
  const times: number[] = [];
  let resources = 0;
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    resources = (await renderStack({ stack: "dev", services })).length;
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { ms: times.sort((a, b) => a - b)[Math.floor(times.length / 2)], resources };
}

async function main() {
  const runs = Number(process.env.BENCH_RUNS ?? 5);
  await renderStack({ stack: "dev" }); // warm-up: module loading and provider serialization
  const eight = await timeRender(SERVICES, runs);
  const sixtyFour = await timeRender(syntheticCatalog(64), runs);
  console.log(`render-ms-8: ${eight.ms.toFixed(0)}`);
  console.log(`render-ms-64: ${sixtyFour.ms.toFixed(0)}`);
  console.log(`scale-ratio: ${(sixtyFour.ms / eight.ms).toFixed(2)}`);
  // The floor of the ratio: how many more resources the 64-service stack registers.
  console.log(`resources-8: ${eight.resources}, resources-64: ${sixtyFour.resources} (${(sixtyFour.resources / eight.resources).toFixed(2)}x)`);
}

main().catch((error) => {
  console.error(`bench: ${error.message}`);
  process.exit(1);
});
