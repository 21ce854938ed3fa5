import * as path from "path";
import { ServiceEntry } from "../../catalog";
import { TrafficGraph } from "../../components/zero-trust";
import { deployEcosystem } from "../../stacks/ecosystem";
import { RecordedResource, runUnderMocks } from "./mock-engine";
import { loadStackSettings } from "./stack-settings";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

export interface RenderRequest {
  readonly stack: string;
  /** Config values that win over the stack file, keyed like it (`microservices-ecosystem:namespace`). */
  readonly overrides?: Record<string, unknown>;
  /** Services instead of the catalog's eight (benchmarks, tests). */
  readonly services?: readonly ServiceEntry[];
  /** Answer as `pulumi preview` does: computed outputs unknown (see runUnderMocks). */
  readonly preview?: boolean;
  /** Told the traffic graph the program derived its zero-trust policies from. */
  readonly onTrafficGraph?: (graph: TrafficGraph) => void;
}

/** Runs the program (the function `index.ts` exports) for a stack under the mock engine. */
export function renderStack(request: RenderRequest): Promise<RecordedResource[]> {
  const settings = loadStackSettings(PROJECT_DIR, request.stack, request.overrides);
  return runUnderMocks(settings, () => deployEcosystem({ services: request.services, onTrafficGraph: request.onTrafficGraph }), { preview: request.preview });
}
