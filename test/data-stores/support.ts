import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { deployEcosystem } from "../../stacks/ecosystem";
import { RecordedResource, isSecretValue, runUnderMocks } from "../../tools/render/mock-engine";
import { writeRender } from "../../tools/render/render-output";
import { PROJECT_DIR } from "../../tools/render/render-stack";
import { loadStackSettings } from "../../tools/render/stack-settings";
import { NS, Rendered } from "../helpers/render";

export type Obj = Record<string, any>;

/** What the mock engine answers for every RandomPassword's `result` (tools/render/mock-engine.ts). */
export const MOCK_PASSWORD = "mock-password";

const fullKey = (key: string) => (key.includes(":") ? key : `${NS}:${key}`);

/**
 * Renders the dev stack (or `stack`) with config overrides and with `secrets` set as the engine
 * sets `pulumi config set --secret` values: in the config, and listed as secret keys.
 */
export async function renderWithSecrets(overrides: Record<string, unknown>, secrets: Record<string, string>, stack = "dev"): Promise<Rendered> {
  const settings = loadStackSettings(PROJECT_DIR, stack, Object.fromEntries(Object.entries(overrides).map(([k, v]) => [fullKey(k), v])));
  const secretEntries = Object.entries(secrets).map(([k, v]) => [fullKey(k), v] as const);
  const withSecrets = {
    ...settings,
    config: { ...settings.config, ...Object.fromEntries(secretEntries) },
    secretKeys: [...settings.secretKeys, ...secretEntries.map(([k]) => k)],
  };
  return new Rendered(await runUnderMocks(withSecrets, () => deployEcosystem()));
}

/** Every file `npm run render` would write for these resources, as path → content. */
export function renderedFiles(resources: readonly RecordedResource[]): Map<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "data-stores-render-"));
  try {
    writeRender(dir, resources);
    const files = new Map<string, string>();
    const visit = (folder: string) => {
      for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
        const file = path.join(folder, entry.name);
        if (entry.isDirectory()) visit(file);
        else files.set(path.relative(dir, file), fs.readFileSync(file, "utf8"));
      }
    };
    visit(dir);
    return files;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The recorded inputs of the Secret `name` in `namespace`, secrets not masked. */
export function rawSecret(r: Rendered, name: string, namespace: string): Obj {
  const found = r
    .ofType("kubernetes:core/v1:Secret")
    .map((s) => s.inputs as Obj)
    .filter((s) => s.metadata?.name === name && s.metadata?.namespace === namespace);
  if (found.length !== 1) throw new Error(`expected one Secret ${namespace}/${name}, found ${found.length}`);
  return found[0];
}

/** A Secret's `stringData`, which must be a Pulumi secret as a whole: its plain values. */
export function secretStringData(secret: Obj): Record<string, string> {
  if (!isSecretValue(secret.stringData)) throw new Error(`Secret ${secret.metadata.name}: stringData is not a Pulumi secret`);
  return secret.stringData.value as Record<string, string>;
}

/** The container's env var `name`, or undefined. */
export const envVar = (container: Obj, name: string): Obj | undefined => (container.env as Obj[]).find((e) => e.name === name);

/** The first container of a Deployment's or StatefulSet's pod template. */
export const firstContainer = (workload: Obj): Obj => workload.spec.template.spec.containers[0];

/** Asserts the rejection is a one-line error with exactly this message. */
export const oneLine =
  (message: string) =>
  (error: Error): boolean => {
    if (error.message !== message) throw new Error(`expected "${message}", got "${error.message}"`);
    if (error.message.includes("\n")) throw new Error("the message spans several lines");
    return true;
  };
