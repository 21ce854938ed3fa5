import { createRequire } from "module";
import type * as Common from "@grafana/grafana-foundation-sdk/dist/common";
import type * as Dashboard from "@grafana/grafana-foundation-sdk/dist/dashboard";
import type * as Prometheus from "@grafana/grafana-foundation-sdk/dist/prometheus";
import type * as Stat from "@grafana/grafana-foundation-sdk/dist/stat";
import type * as StateTimeline from "@grafana/grafana-foundation-sdk/dist/statetimeline";
import type * as Timeseries from "@grafana/grafana-foundation-sdk/dist/timeseries";

/*
 * The Grafana Foundation SDK's modules, typed. The package has no root entry point: it publishes each module as a
 * package "exports" subpath (`@grafana/grafana-foundation-sdk/dashboard` → `dist/dashboard/index.js`), and Node
 * refuses any other path into it (ERR_PACKAGE_PATH_NOT_EXPORTED). TypeScript's `node` module resolution, which
 * this project compiles with (and `pulumi up`'s ts-node with it), does not read "exports", so it cannot find the
 * subpaths' types. Hence the split: the types come from the files the subpaths point at, by type-only imports that
 * compile to nothing, and the modules are loaded through the subpaths at run time, where Node reads "exports".
 */
const load = createRequire(__filename);
const sdkModule = <T>(name: string): T => load(`@grafana/grafana-foundation-sdk/${name}`) as T;

export const common = sdkModule<typeof Common>("common");
export const dashboard = sdkModule<typeof Dashboard>("dashboard");
export const prometheus = sdkModule<typeof Prometheus>("prometheus");
export const stat = sdkModule<typeof Stat>("stat");
export const statetimeline = sdkModule<typeof StateTimeline>("statetimeline");
export const timeseries = sdkModule<typeof Timeseries>("timeseries");

export type { Builder, Dataquery } from "@grafana/grafana-foundation-sdk/dist/cog";
export type { DataSourceRef } from "@grafana/grafana-foundation-sdk/dist/common";
export type { GridPos, Panel, Threshold, ThresholdsConfig, ValueMapping, VariableModel } from "@grafana/grafana-foundation-sdk/dist/dashboard";
