import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { breakdown, formatBreakdown, readSpans } from "../tools/bench/trace-breakdown";

// bench:cluster's breakdown of a CLI command from its OpenTelemetry trace (OTLP JSON lines, as `--otel-traces
// file://…` writes them): a trace of a preview with a policy pack, built span by span with known times.

const T0 = 1_796_000_000_000_000_000n;
const at = (seconds: number) => String(T0 + BigInt(Math.round(seconds * 1e9)));

type SpanSpec = [service: string, name: string, start: number, end: number, attributes?: Record<string, string>];

const folders: string[] = [];

function traceFile(spans: readonly SpanSpec[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trace-breakdown-"));
  folders.push(dir);
  const file = path.join(dir, "pulumi.json");
  // One line per service, as the exporter batches them.
  const services = [...new Set(spans.map(([service]) => service))];
  const lines = services.map((service) =>
    JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
          scopeSpans: [
            {
              scope: { name: "test" },
              spans: spans
                .filter(([s]) => s === service)
                .map(([, name, start, end, attributes]) => ({
                  name,
                  startTimeUnixNano: at(start),
                  endTimeUnixNano: at(end),
                  attributes: Object.entries(attributes ?? {}).map(([key, value]) => ({ key, value: { stringValue: value } })),
                })),
            },
          ],
        },
      ],
    }),
  );
  fs.writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

const CLI = "pulumi-cli";
const PREVIEW_WITH_POLICY: SpanSpec[] = [
  [CLI, "pulumi", 0, 10, { "cli.command": "pulumi preview" }],
  [CLI, "pulumi-plan", 0.4, 9.9],
  [CLI, "pulumirpc.LanguageRuntime/RunPlugin", 0.5, 9.8],
  [CLI, "pulumirpc.Analyzer/Handshake", 1.6, 1.7],
  [CLI, "run-program", 1.8, 9.8],
  [CLI, "pulumirpc.ResourceMonitor/GetDeploymentInfo", 2.5, 2.5],
  [CLI, "pulumirpc.ResourceMonitor/RegisterResource", 2.5, 2.6],
  [CLI, "pulumirpc.Engine/SetRootResource", 2.6, 2.6],
  [CLI, "pulumirpc.ResourceMonitor/RegisterResource", 3.6, 4.0],
  [CLI, "newPlugin", 3.6, 3.9, { kind: "resource" }],
  [CLI, "pulumirpc.ResourceProvider/Configure", 3.9, 4.6],
  [CLI, "pulumirpc.ResourceMonitor/RegisterResource", 4.0, 8.6],
  [CLI, "pulumirpc.ResourceProvider/Check", 4.7, 4.9],
  [CLI, "pulumirpc.ResourceProvider/Check", 4.8, 5.1],
  [CLI, "pulumirpc.ResourceProvider/Diff", 5.1, 5.2],
  [CLI, "pulumirpc.Analyzer/Analyze", 5.2, 5.5],
  [CLI, "pulumirpc.Analyzer/AnalyzeStack", 8.7, 9.5],
  ["pulumi-resource-provider", "/pulumirpc.ResourceProvider/Check", 4.7, 4.8],
];

describe("tools/bench/trace-breakdown (bench:cluster's breakdown of a preview or an up)", () => {
  after(() => folders.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it("splits a traced command into its phases, in order, and adds up the calls that overlap them", () => {
    const result = breakdown(readSpans(traceFile(PREVIEW_WITH_POLICY)), 10.5);
    assert.deepEqual(result.phases, [
      ["CLI process start, before tracing", 0.5],
      ["state read, language host start", 0.5],
      ["policy pack start (Node, its modules)", 1.2],
      ["Node start, Pulumi runtime", 0.7],
      ["program start: modules load, first resource registered", 1],
      ["the rest: the program registering, Check, Diff, apply, awaits", 5],
      ["policy pack: stack analysis", 0.8],
      ["shutdown, final state write", 0.5],
    ]);
    assert.deepEqual(result.busy, [
      ["provider start (launch, handshake, configure)", 1, 1],
      ["provider Check", 0.5, 2],
      ["provider Diff", 0.1, 1],
      ["policy pack Analyze", 0.3, 1],
    ]);
    const printed = formatBreakdown("preview-with-policy-s", result);
    assert.equal(printed[0], "preview-with-policy-s:");
    assert.match(printed[3], /^ {2}policy pack start \(Node, its modules\) +1\.2 s$/);
  });

  it("names what is missing from a trace that is not a preview or an up", () => {
    const history = traceFile([[CLI, "pulumi", 0, 0.3, { "cli.command": "pulumi stack history" }]]);
    assert.throws(() => breakdown(readSpans(history), 0.4), /the trace has no run-program span/);
    const empty = traceFile([]);
    assert.throws(() => readSpans(empty), /holds no spans/);
  });
});
