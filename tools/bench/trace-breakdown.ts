import * as fs from "fs";

/**
 * Where a `pulumi preview` or `pulumi up` spends its time, read from the CLI's own OpenTelemetry trace
 * (`--otel-traces file://…`: one JSON object of resourceSpans per line, as the OTLP JSON exporter writes).
 *
 * The phases follow the critical path of one operation; the busy figures add up calls that overlap (the
 * provider's Check and Diff run in parallel with the program still registering resources).
 */

export interface Span {
  readonly service: string;
  readonly name: string;
  /** Seconds since the trace's first span. */
  readonly start: number;
  readonly end: number;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface Breakdown {
  /** Wall-clock phases, in order, in seconds. */
  readonly phases: readonly (readonly [string, number])[];
  /** Summed durations of calls that overlap the phases (and each other), in seconds, with their count. */
  readonly busy: readonly (readonly [string, number, number])[];
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type OtlpAttribute = { key: string; value: OtlpValue };
type OtlpSpan = { name: string; startTimeUnixNano: string; endTimeUnixNano: string; attributes?: OtlpAttribute[] };
type OtlpLine = {
  resourceSpans?: { resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
};

const attributeText = (value: OtlpValue) => String(value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue ?? "");

export function readSpans(file: string): Span[] {
  const raw: (Omit<Span, "start" | "end"> & { startNs: bigint; endNs: bigint })[] = [];
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const parsed = JSON.parse(line) as OtlpLine;
    for (const resourceSpans of parsed.resourceSpans ?? []) {
      const service = resourceSpans.resource?.attributes?.find((a) => a.key === "service.name")?.value.stringValue ?? "";
      for (const scope of resourceSpans.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          const attributes = Object.fromEntries((span.attributes ?? []).map((a) => [a.key, attributeText(a.value)]));
          raw.push({ service, name: span.name, attributes, startNs: BigInt(span.startTimeUnixNano), endNs: BigInt(span.endTimeUnixNano) });
        }
      }
    }
  }
  if (raw.length === 0) throw new Error(`${file} holds no spans: was the command run with --otel-traces file://${file}?`);
  const origin = raw.reduce((min, s) => (s.startNs < min ? s.startNs : min), raw[0].startNs);
  const seconds = (ns: bigint) => Number(ns - origin) / 1e9;
  return raw.map(({ startNs, endNs, ...rest }) => ({ ...rest, start: seconds(startNs), end: seconds(endNs) })).sort((a, b) => a.start - b.start);
}

const round = (seconds: number) => Math.round(seconds * 10) / 10;

/**
 * The phases of one CLI command. `wallSeconds` is the time the caller measured around the command, so that what
 * happens before the CLI starts tracing (process start, the Automation API's own work) is a phase too.
 */
export function breakdown(spans: readonly Span[], wallSeconds: number): Breakdown {
  const cli = spans.filter((s) => s.service === "pulumi-cli");
  const first = (name: string, where: (s: Span) => boolean = () => true) => cli.find((s) => s.name === name && where(s));
  const required = (name: string, where?: (s: Span) => boolean): Span => {
    const span = first(name, where);
    if (!span) throw new Error(`the trace has no ${name} span: is this a preview or an up of a Pulumi program?`);
    return span;
  };
  const root = required("pulumi");
  const run = required("run-program");
  const policyPack = first("pulumirpc.LanguageRuntime/RunPlugin");
  const analyzerReady = first("pulumirpc.Analyzer/Handshake");
  const runtimeReady = required("pulumirpc.ResourceMonitor/GetDeploymentInfo");
  const registrations = cli.filter((s) => s.name === "pulumirpc.ResourceMonitor/RegisterResource");
  const stackRegistered = required("pulumirpc.Engine/SetRootResource");
  const programResources = registrations.filter((s) => s.start >= stackRegistered.end);
  if (programResources.length === 0) throw new Error("the trace shows no resource registered after the stack");
  const firstResource = programResources[0];
  const lastResourceEnd = Math.max(...registrations.map((s) => s.end));
  const provider = first("newPlugin", (s) => s.attributes.kind === "resource");
  const providerConfigured = provider ? first("pulumirpc.ResourceProvider/Configure", (s) => s.start >= provider.start) : undefined;
  const stackAnalysis = first("pulumirpc.Analyzer/AnalyzeStack");

  const phases: [string, number][] = [
    ["CLI process start, before tracing", wallSeconds - (root.end - root.start)],
    ["state read, language host start", Math.min(run.start, policyPack?.start ?? Infinity) - root.start],
  ];
  if (policyPack && analyzerReady) phases.push(["policy pack start (Node, its modules)", analyzerReady.end - policyPack.start]);
  phases.push(
    ["Node start, Pulumi runtime", runtimeReady.start - run.start],
    ["program start: modules load, first resource registered", firstResource.start - stackRegistered.end],
  );
  phases.push(["the rest: the program registering, Check, Diff, apply, awaits", lastResourceEnd - firstResource.start]);
  if (stackAnalysis) phases.push(["policy pack: stack analysis", stackAnalysis.end - stackAnalysis.start]);
  phases.push(["shutdown, final state write", root.end - Math.max(lastResourceEnd, stackAnalysis?.end ?? 0)]);

  const sum = (label: string, names: readonly string[]): [string, number, number] => {
    const matching = cli.filter((s) => names.includes(s.name));
    return [label, round(matching.reduce((total, s) => total + (s.end - s.start), 0)), matching.length];
  };
  const busy: [string, number, number][] = [];
  if (provider && providerConfigured) busy.push(["provider start (launch, handshake, configure)", round(providerConfigured.end - provider.start), 1]);
  busy.push(
    sum("provider Check", ["pulumirpc.ResourceProvider/Check"]),
    sum("provider Diff", ["pulumirpc.ResourceProvider/Diff"]),
    sum("provider Create/Update/Delete", ["pulumirpc.ResourceProvider/Create", "pulumirpc.ResourceProvider/Update", "pulumirpc.ResourceProvider/Delete"]),
    sum("policy pack Analyze", ["pulumirpc.Analyzer/Analyze", "pulumirpc.Analyzer/Remediate"]),
    sum("state writes (checkpoint, backup copy)", ["gocloud.dev/blob.NewWriter", "gocloud.dev/blob.Copy"]),
  );
  return { phases: phases.map(([label, seconds]) => [label, round(seconds)] as const), busy: busy.filter(([, , count]) => count > 0) };
}

export function formatBreakdown(title: string, result: Breakdown): string[] {
  const width = Math.max(...result.phases.map(([label]) => label.length), ...result.busy.map(([label]) => label.length + 9));
  return [
    `${title}:`,
    ...result.phases.map(([label, seconds]) => `  ${label.padEnd(width)}  ${seconds.toFixed(1).padStart(5)} s`),
    ...result.busy.map(([label, seconds, count]) => `  within: ${label.padEnd(width - 8)}  ${seconds.toFixed(1).padStart(5)} s in ${count} calls`),
  ];
}
