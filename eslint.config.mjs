// ESLint flat config: typescript-eslint's recommended rules, the type-aware rules that catch unawaited
// promises and Pulumi Outputs turned into strings, and Pulumi's plugin for Outputs in template literals.
// Formatting is Prettier's job (`npm run format`), so no stylistic rules here.
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

const nodeGlobals = Object.fromEntries(["require", "module", "process", "console", "Buffer", "__dirname"].map((name) => [name, "readonly"]));

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "out/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { "@pulumi": pulumi },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-base-to-string": "error",
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true, allowNullish: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
    },
  },
  {
    // Tests, tools and the policy pack read manifests and engine props, which are untyped JSON.
    files: ["test/**/*.ts", "tools/**/*.ts", "policies/**/*.ts", "app/test/**/*.ts", "app/tools/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // The artifact tree loads its provider module (tree-provider.js) by path: the tests run the very text the state keeps.
    files: ["components/artifacts/artifact-tree.ts"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: ["**/*.js"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
