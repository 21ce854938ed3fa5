import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PREVIEW_ENV } from "./engine/workspace";

type Obj = Record<string, any>;
const ROOT = path.join(__dirname, "..");
const workflow = (name: string): Obj => parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", name), "utf8")) as Obj;
const WORKFLOWS = fs.readdirSync(path.join(ROOT, ".github", "workflows")).filter((f) => f.endsWith(".yml"));

/** Every step's `uses`, with where it is. */
const uses = (wf: Obj): [string, string][] =>
  Object.entries(wf.jobs as Obj).flatMap(([job, spec]) =>
    ((spec.steps ?? []) as Obj[]).filter((s) => s.uses).map((s) => [job, s.uses as string] as [string, string]),
  );

describe("CI/CD workflows: the pipeline a security review accepts", () => {
  it("type-checks the program before every job's pulumi command (the CLI runs it transpiled, without checking types)", () => {
    const unchecked: string[] = [];
    for (const f of WORKFLOWS) {
      for (const [job, spec] of Object.entries(workflow(f).jobs as Obj)) {
        const steps = (spec.steps ?? []) as Obj[];
        const pulumi = steps.findIndex((s) => String(s.uses ?? "").startsWith("pulumi/actions@") && s.with?.command);
        if (pulumi < 0) continue;
        if (!steps.slice(0, pulumi).some((s) => s.run === "npm run typecheck")) unchecked.push(`${f} ${job}`);
      }
    }
    assert.deepEqual(unchecked, []);
  });

  it("skips the intermediate state writes on every preview (PREVIEW_ENV) and on nothing that writes state", () => {
    const wrong: string[] = [];
    const previews: string[] = [];
    for (const f of WORKFLOWS) {
      const wf = workflow(f);
      if (wf.env?.PULUMI_SKIP_CHECKPOINTS !== undefined) wrong.push(`${f}: workflow env (reaches every command)`);
      for (const [job, spec] of Object.entries(wf.jobs as Obj)) {
        if (spec.env?.PULUMI_SKIP_CHECKPOINTS !== undefined) wrong.push(`${f} ${job}: job env (reaches every command)`);
        for (const step of (spec.steps ?? []) as Obj[]) {
          // Every pulumi command of the step: a run may chain several, and the step's env reaches each.
          const commands: string[] = step.with?.command
            ? [step.with.command]
            : [...String(step.run ?? "").matchAll(/\bpulumi (preview|up|destroy|refresh|import|state)\b/g)].map((m) => m[1]);
          if (String(step.run ?? "").includes("PULUMI_SKIP_CHECKPOINTS")) wrong.push(`${f} ${job}: PULUMI_SKIP_CHECKPOINTS set in a run script`);
          const skips = String(step.env?.PULUMI_SKIP_CHECKPOINTS ?? "") === String(PREVIEW_ENV.PULUMI_SKIP_CHECKPOINTS);
          for (const command of commands) {
            if (command === "preview") {
              previews.push(`${f} ${job}`);
              if (!skips) wrong.push(`${f} ${job}: a preview without PULUMI_SKIP_CHECKPOINTS`);
            } else if (step.env?.PULUMI_SKIP_CHECKPOINTS !== undefined) wrong.push(`${f} ${job}: pulumi ${command} with PULUMI_SKIP_CHECKPOINTS`);
          }
        }
      }
    }
    assert.deepEqual(wrong, []);
    assert.deepEqual(previews.sort(), ["deploy.yml preview", "policy.yml policy"]);
  });

  it("pins every third-party action by commit SHA", () => {
    const loose = WORKFLOWS.flatMap((f) =>
      uses(workflow(f))
        .filter(([, u]) => !/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/.test(u))
        .map(([job, u]) => `${f} ${job}: ${u}`),
    );
    assert.deepEqual(loose, []);
    assert.ok(WORKFLOWS.flatMap((f) => uses(workflow(f))).length >= 6);
  });

  it("previews pull requests as the read-only identity of environment preview, never for forks, and deploys only from main through environment production", () => {
    const deploy = workflow("deploy.yml");
    const { preview, deploy: up } = deploy.jobs as Obj;
    assert.equal(preview.environment, "preview");
    assert.match(preview.if, /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
    assert.equal(up.environment, "production");
    assert.match(up.if, /github\.event_name == 'push' && github\.ref == 'refs\/heads\/main'/);
    const commands = (job: Obj) => (job.steps as Obj[]).filter((s) => String(s.uses ?? "").startsWith("pulumi/actions@")).map((s) => s.with.command);
    assert.deepEqual(commands(preview), ["preview"], "the preview job never deploys");
    assert.deepEqual(commands(up), ["up"]);
    // Secrets come from each job's environment; nothing at the workflow level hands them to every job.
    assert.doesNotMatch(JSON.stringify(deploy.env ?? {}), /secrets\./);
    assert.equal(deploy.on.pull_request_target, undefined, "pull_request_target would hand secrets to a fork's code");
    for (const job of [preview, up])
      for (const s of job.steps as Obj[]) if (String(s.uses ?? "").startsWith("actions/checkout@")) assert.equal(s.with?.["persist-credentials"], false);
  });

  it("hands each secret to the one step that needs it: not to a job, not to npm install scripts", () => {
    const deploy = workflow("deploy.yml");
    for (const [name, job] of Object.entries(deploy.jobs as Obj)) {
      assert.doesNotMatch(JSON.stringify(job.env ?? {}), /secrets\./, `${name}: job-level secrets`);
      for (const step of job.steps as Obj[]) {
        if (/\bnpm ci\b/.test(step.run ?? "")) assert.match(step.run, /--ignore-scripts/, `${name}: ${step.run}`);
        const secrets = Object.keys(step.env ?? {}).filter((k) => /secrets\./.test(String(step.env[k])));
        if (secrets.length > 0)
          assert.ok(
            /^pulumi\/actions@|[Kk]ubeconfig/.test(`${step.uses ?? ""}${step.name ?? ""}`),
            `${name}: ${step.name ?? step.uses} gets ${secrets.join(", ")}`,
          );
      }
    }
  });

  it("grants the preview identity reads only, and no Secret", () => {
    const docs = fs
      .readFileSync(path.join(ROOT, ".github", "preview-rbac.yaml"), "utf8")
      .split(/^---$/m)
      .map((d) => parse(d) as Obj);
    const role = docs.find((d) => d.kind === "ClusterRole")!;
    for (const rule of role.rules as Obj[]) {
      assert.deepEqual(rule.verbs, ["get", "list", "watch"]);
      if ((rule.apiGroups as string[]).includes(""))
        assert.ok(!(rule.resources as string[]).includes("secrets") && !(rule.resources as string[]).includes("*"));
    }
  });
});
