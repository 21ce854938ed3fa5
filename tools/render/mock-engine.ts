import * as pulumi from "@pulumi/pulumi";
import { StackSettings } from "./stack-settings";

/** A resource the program registered, with its inputs as the engine received them. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly parent?: string;
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
  /** The URNs this resource was known by before (its `aliases`, and those it inherits from its parents). */
  readonly aliases: readonly string[];
  /** `pulumi destroy` refuses to delete it. */
  readonly protect: boolean;
  /** `pulumi destroy` drops it from the state and leaves the object. */
  readonly retainOnDelete: boolean;
}

// The SDK's marker of a secret value in deserialized properties.
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export const isSecretValue = (v: unknown): v is { value: unknown } =>
  typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;

/** Outputs a provider computes that a program reads (mocks answer them plausibly). */
function computedOutputs(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case "random:index/randomPassword:RandomPassword":
      return { result: { [SIG_KEY]: SECRET_SIG, value: "mock-password" } };
    case "docker:index/image:Image":
      return { repoDigest: String(inputs.imageName as string).replace(/:[^:/]+$/, "") + "@sha256:" + "0".repeat(64) };
    default:
      return {};
  }
}

/** `urn:pulumi:<stack>::<project>::<parent's type>$<type>::<name>`, as the engine builds a URN. */
function urnOf(stack: string, project: string, type: string, name: string, parentUrn: string | undefined): string {
  const parentType = parentUrn?.split("::")[2]?.split("$").pop();
  const qualified = parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/**
 * The URNs a registered resource answers to, as the engine resolves them: each alias (a URN, or a spec
 * whose unset fields default to the resource's own), and for each URN its parent answers to, the one
 * the resource would have had under it.
 */
function aliasUrns(req: any, settings: StackSettings, parents: ReadonlyMap<string, readonly string[]>): string[] {
  const type: string = req.getType();
  const name: string = req.getName();
  const parent: string | undefined = req.getParent() || undefined;
  const urns = new Set<string>();
  for (const alias of req.getAliasesList() as any[]) {
    if (alias.getUrn()) {
      urns.add(alias.getUrn());
      continue;
    }
    const spec = alias.getSpec();
    const aliasParent = spec.getNoparent() ? undefined : spec.getParenturn() || parent;
    urns.add(urnOf(spec.getStack() || settings.stack, spec.getProject() || settings.project, spec.getType() || type, spec.getName() || name, aliasParent));
  }
  for (const parentAlias of (parent && parents.get(parent)) || []) urns.add(urnOf(settings.stack, settings.project, type, name, parentAlias));
  return [...urns];
}

/**
 * Runs `program` under the Pulumi SDK's mock engine with the stack's config and returns every
 * resource it registered. By default it answers like `pulumi up` (a provider's computed outputs are
 * known); with `preview` like `pulumi preview`: computed outputs (an image's digest, a generated
 * password) stay unknown, and so do the inputs built from them.
 */
export async function runUnderMocks(settings: StackSettings, program: () => unknown, options: { preview?: boolean } = {}): Promise<RecordedResource[]> {
  const recorded: RecordedResource[] = [];
  const preview = options.preview ?? false;
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: { ...args.inputs, ...(preview ? {} : computedOutputs(args.type, args.inputs)) } }),
      call: (args) => args.inputs,
    },
    settings.project,
    settings.stack,
    preview,
  );
  pulumi.runtime.setAllConfig(settings.config, settings.secretKeys);

  // The mock monitor reports neither URNs nor parents to `newResource`: read them off the request.
  const monitor = (pulumi.runtime as unknown as { getMonitor(): Record<string, (...args: any[]) => unknown> }).getMonitor();
  const register = monitor.registerResource.bind(monitor);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- internal SDK module without typings
  const { deserializeProperties } = require("@pulumi/pulumi/runtime/rpc");
  const aliasesByUrn = new Map<string, readonly string[]>();
  monitor.registerResource = (req: any, callback: (err: unknown, resp: any) => void) =>
    register(req, (err: unknown, resp: any) => {
      if (!err) {
        const aliases = aliasUrns(req, settings, aliasesByUrn);
        aliasesByUrn.set(resp.getUrn(), aliases);
        recorded.push({
          type: req.getType(),
          name: req.getName(),
          urn: resp.getUrn(),
          parent: req.getParent() || undefined,
          custom: req.getCustom(),
          inputs: deserializeProperties(req.getObject()),
          aliases,
          protect: req.getProtect(),
          retainOnDelete: req.getRetainondelete(),
        });
      }
      callback(err, resp);
    });

  // The SDK records a stack trace for every promise it tracks; with ts-node's source maps that
  // dominates a render. No traces keep it cheap; nothing here reads them (errors keep their message).
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let failure: unknown;
  try {
    await pulumi.runtime.runInPulumiStack(async () => {
      try {
        return await program();
      } catch (error) {
        failure = error;
        return undefined;
      }
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- internal SDK module without typings
    await (require("@pulumi/pulumi/runtime/settings") as { disconnect(): Promise<void> }).disconnect();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  if (failure) throw failure;
  return recorded;
}
