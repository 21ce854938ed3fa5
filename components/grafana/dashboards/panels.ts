import {
  Builder,
  DataSourceRef,
  Dataquery,
  GridPos,
  Panel,
  Threshold,
  ThresholdsConfig,
  ValueMapping,
  VariableModel,
  common,
  dashboard,
  prometheus,
  stat,
  statetimeline,
  timeseries,
} from "./sdk";

/** The datasource uids Grafana's provisioning gives Prometheus and Jaeger: every query names its datasource by uid. */
export const PROMETHEUS_DATASOURCE_UID = "prometheus";
export const JAEGER_DATASOURCE_UID = "jaeger";

export const PROMETHEUS_DATASOURCE: DataSourceRef = { type: "prometheus", uid: PROMETHEUS_DATASOURCE_UID };

/** A dashboard as Grafana's file provisioning reads it: `file` in the dashboards folder holds `json`. */
export interface ProvisionedDashboard {
  readonly uid: string;
  readonly title: string;
  readonly file: string;
  readonly json: Record<string, unknown>;
}

/** The grid is 24 columns wide. */
const GRID_WIDTH = 24;

/** The tag every dashboard of the ecosystem carries: the dashboards' links menu lists them by it. */
const TAG = "microservices";

export interface Query {
  readonly expr: string;
  readonly legend?: string;
}

/** What every panel kind takes: its queries, how its values read, and its size on the grid. */
export interface PanelSpec {
  readonly title: string;
  readonly description?: string;
  readonly queries: readonly Query[];
  /** A Grafana unit id (`reqps`, `percentunit`, `bytes`, `s`, `suffix: orders/s`, …). */
  readonly unit?: string;
  readonly decimals?: number;
  readonly min?: number;
  /** Colour steps above a base colour: `[["green"], [0.5, "orange"], [1, "red"]]`. */
  readonly thresholds?: readonly ThresholdStep[];
  readonly mappings?: readonly ValueMapping[];
  readonly w: number;
  readonly h: number;
}

export type ThresholdStep = readonly [color: string] | readonly [value: number, color: string];

/** A panel to lay out: the builder takes its id and position when the dashboard is assembled. */
export interface Tile {
  readonly panel: Builder<Panel> & { id(id: number): unknown; gridPos(gridPos: GridPos): unknown };
  readonly w: number;
  readonly h: number;
}

/** A row of the dashboard; `false` stands for a tile left out (its job is not scraped), a row without tiles is left out. */
export interface Section {
  readonly title: string;
  /** Collapsed rows hold their panels and query nothing until opened. */
  readonly collapsed?: boolean;
  readonly tiles: readonly (Tile | false)[];
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly variables?: readonly Builder<VariableModel>[];
  readonly sections: readonly Section[];
}

/** The methods the panel kinds share, for the settings common to all. */
interface FieldPanel {
  title(title: string): unknown;
  description(description: string): unknown;
  datasource(datasource: DataSourceRef): unknown;
  withTarget(target: Builder<Dataquery>): unknown;
  unit(unit: string): unknown;
  decimals(decimals: number): unknown;
  min(min: number): unknown;
  thresholds(thresholds: Builder<ThresholdsConfig>): unknown;
  mappings(mappings: ValueMapping[]): unknown;
}

function configure<P extends FieldPanel>(panel: P, spec: PanelSpec, instant: boolean): P {
  panel.title(spec.title);
  panel.datasource(PROMETHEUS_DATASOURCE);
  if (spec.description) panel.description(spec.description);
  spec.queries.forEach((query, i) => {
    const target = new prometheus.DataqueryBuilder()
      .refId(String.fromCharCode("A".charCodeAt(0) + i))
      .datasource(PROMETHEUS_DATASOURCE)
      .expr(query.expr)
      .legendFormat(query.legend ?? "__auto");
    panel.withTarget(instant ? target.instant() : target.range());
  });
  if (spec.unit) panel.unit(spec.unit);
  if (spec.decimals !== undefined) panel.decimals(spec.decimals);
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.thresholds) panel.thresholds(thresholds(spec.thresholds));
  if (spec.mappings) panel.mappings([...spec.mappings]);
  return panel;
}

function thresholds(steps: readonly ThresholdStep[]): Builder<ThresholdsConfig> {
  const list: Threshold[] = steps.map((step) => (step.length === 1 ? { value: null, color: step[0] } : { value: step[0], color: step[1] }));
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(list);
}

const legend = () => new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom);
const tooltip = () => new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending);

/** A graph over time; its thresholds, if any, are drawn as dashed lines (an alert's or an objective's level). */
export function graph(spec: PanelSpec & { readonly stacked?: boolean }): Tile {
  const panel = configure(new timeseries.PanelBuilder(), spec, false).legend(legend()).tooltip(tooltip()).fillOpacity(10).lineWidth(1);
  if (spec.thresholds) {
    panel.thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
  }
  if (spec.stacked) {
    panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal)).fillOpacity(40);
  }
  return { panel, w: spec.w, h: spec.h };
}

/** The current value of each series, coloured by the thresholds. */
export function singleStat(spec: PanelSpec): Tile {
  const panel = configure(new stat.PanelBuilder(), spec, true)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.Background)
    .textMode(common.BigValueTextMode.ValueAndName);
  return { panel, w: spec.w, h: spec.h };
}

/** Discrete states over time, one band per series, named and coloured by the value mappings. */
export function stateTimeline(spec: PanelSpec): Tile {
  const panel = configure(new statetimeline.PanelBuilder(), spec, false)
    .legend(legend())
    .tooltip(tooltip())
    .showValue(common.VisibilityMode.Never)
    .mergeValues(true);
  return { panel, w: spec.w, h: spec.h };
}

/** A value mapping from numbers to named, coloured states. */
export function states(byValue: Readonly<Record<number, { readonly text: string; readonly color: string }>>): ValueMapping {
  const options = Object.fromEntries(Object.entries(byValue).map(([value, { text, color }], index) => [value, { text, color, index }]));
  return { type: dashboard.MappingType.ValueToText, options };
}

/** A multi-value variable over the values of a label, "All" selected. */
export function labelVariable(name: string, label: string, selector: string): Builder<VariableModel> {
  const query = `label_values(${selector}, ${name})`;
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(PROMETHEUS_DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .current({ text: "All", value: "$__all" });
}

/**
 * Lays the sections out as rows, left to right and top to bottom, each tile at its own width (a tile that would
 * overflow the 24 columns starts a new line), and numbers the panels. A collapsed row's panels get the positions
 * they take when it is opened, so that no two panels overlap in either state.
 */
export function buildDashboard(spec: DashboardSpec): ProvisionedDashboard {
  const builder = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([TAG])
    .readonly()
    .timezone("browser")
    .time({ from: "now-6h", to: "now" })
    .refresh("30s")
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .link(new dashboard.DashboardLinkBuilder("Dashboards").type(dashboard.DashboardLinkType.Dashboards).tags([TAG]).asDropdown(true).keepTime(true))
    .variables([...(spec.variables ?? [])]);

  let id = 1;
  let y = 0;
  for (const section of spec.sections) {
    const tiles = section.tiles.filter((tile): tile is Tile => tile !== false);
    if (tiles.length === 0) continue;
    const row = new dashboard.RowBuilder(section.title).id(id++).gridPos({ x: 0, y, w: GRID_WIDTH, h: 1 });
    y += 1;
    let x = 0;
    let lineHeight = 0;
    for (const tile of tiles) {
      if (tile.w > GRID_WIDTH) throw new Error(`${spec.uid}: a panel is ${tile.w} columns wide, the grid ${GRID_WIDTH}`);
      if (x + tile.w > GRID_WIDTH) {
        y += lineHeight;
        x = 0;
        lineHeight = 0;
      }
      tile.panel.id(id++);
      tile.panel.gridPos({ x, y, w: tile.w, h: tile.h });
      x += tile.w;
      lineHeight = Math.max(lineHeight, tile.h);
    }
    y += lineHeight;
    if (section.collapsed) {
      tiles.forEach((tile) => row.withPanel(tile.panel));
      builder.withRow(row);
    } else {
      // An open row holds no panels: Grafana shows the panels that follow it, up to the next row.
      builder.withRow(row);
      tiles.forEach((tile) => builder.withPanel(tile.panel));
    }
  }
  // A plain JSON value, the bytes the provisioning file will hold (no undefined fields, no shared objects).
  const json = JSON.parse(JSON.stringify(builder.build())) as Record<string, unknown>;
  return { uid: spec.uid, title: spec.title, file: `${spec.uid}.json`, json };
}
