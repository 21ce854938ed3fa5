import * as fs from "fs";
import * as path from "path";
import { YAMLParseError, parse } from "yaml";

export interface StackSettings {
  readonly project: string;
  readonly stack: string;
  /** Config as the engine hands it to a program: `<namespace>:<key>` → string (JSON for structures). */
  readonly config: Record<string, string>;
  /** Keys whose values are secrets (`secure:` in the stack file, or `secret: true` in Pulumi.yaml). */
  readonly secretKeys: string[];
}

/** Rendered files show secret values as this placeholder (a secret config value reaches the program as `[secret] <key>`). */
export const SECRET_PLACEHOLDER = "[secret]";

interface ProjectFile {
  name: string;
  config?: Record<string, { default?: unknown; secret?: boolean } | unknown>;
}

/** Parses a YAML file; a syntax error is one line naming the file and the line. */
function readYamlFile(file: string): unknown {
  try {
    return parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    if (!(error instanceof YAMLParseError)) throw error;
    const line = error.linePos?.[0]?.line;
    throw new Error(`${file}${line ? `:${line}` : ""}: ${error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`, { cause: error });
  }
}

const asString = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

/**
 * The config the Pulumi engine would give the program for `stack`: Pulumi.yaml's declared
 * defaults, overlaid with Pulumi.<stack>.yaml. `overrides` (same key form) win over both.
 */
export function loadStackSettings(projectDir: string, stack: string, overrides: Record<string, unknown> = {}): StackSettings {
  const project = readYamlFile(path.join(projectDir, "Pulumi.yaml")) as ProjectFile;
  const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) {
    const known = fs
      .readdirSync(projectDir)
      .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
      .map((f) => f.split(".")[1]);
    throw new Error(`no stack "${stack}": ${stackFile} does not exist (stacks: ${known.join(", ") || "none"})`);
  }
  const stackConfig = ((readYamlFile(stackFile) ?? {}) as { config?: Record<string, unknown> }).config ?? {};
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, declaration] of Object.entries(project.config ?? {})) {
    const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
    const decl = declaration as { default?: unknown; secret?: boolean };
    if (typeof declaration === "object" && declaration !== null && "default" in decl) config[fullKey] = asString(decl.default);
    if (decl?.secret) secretKeys.push(fullKey);
  }
  for (const [key, value] of Object.entries({ ...stackConfig, ...overrides } as Record<string, unknown>)) {
    const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
    if (value && typeof value === "object" && "secure" in (value as object)) {
      // One placeholder per key, as real secrets differ: what the program derives from two of them (a checksum)
      // must differ too. Rendered files show every secret output as SECRET_PLACEHOLDER anyway.
      config[fullKey] = `${SECRET_PLACEHOLDER} ${fullKey}`;
      secretKeys.push(fullKey);
    } else {
      config[fullKey] = asString(value);
    }
  }
  return { project: project.name, stack, config, secretKeys };
}
