import { parser } from "@prometheus-io/lezer-promql";

type Tree = ReturnType<typeof parser.parse>;
type SyntaxNode = Tree["topNode"];

/** A legacy (unquoted) metric name, the only kind a name regex may list. */
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Stands for a Grafana variable inside a quoted string: a label value, or a name nobody can check. */
const VARIABLE_PLACEHOLDER = "__grafana_variable__";

/** `$name`, `${name}`, `${name:format}` and the deprecated `[[name]]`; `$1` (a regex group) is not a variable. */
const GRAFANA_VARIABLE = /\$\{([A-Za-z_]\w*)(?::[^}]*)?\}|\$([A-Za-z_]\w*)|\[\[([A-Za-z_]\w*)(?::[^\]]*)?\]\]/g;

/** Grafana's built-in variables that stand for a duration (`rate(x[$__rate_interval])`). */
const DURATION_VARIABLES = new Set(["__rate_interval", "__interval", "__range", "__auto"]);

/** For each index of `expr`, whether it lies inside a string literal (quotes included). */
function stringMask(expr: string): boolean[] {
  const inside: boolean[] = [];
  let quote: string | undefined;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (quote) {
      inside[i] = true;
      if (c === "\\" && quote !== "`") inside[++i] = true;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === "`") {
      quote = c;
      inside[i] = true;
    } else inside[i] = false;
  }
  return inside;
}

/**
 * Grafana interpolates its variables before the query reaches Prometheus, so the raw expression is
 * not PromQL. Each variable is replaced by a value that parses where it stands: a duration (`5m`)
 * for Grafana's interval variables and anywhere a range or offset is expected, a number for the
 * `_ms`/`_s` variants and `$__from`/`$__to`, and a placeholder string for anything else (label values). A placeholder
 * that ends up as a metric name is refused later: such a name cannot be checked.
 */
export function substituteGrafanaVariables(expr: string): string {
  const inString = stringMask(expr);
  return expr.replace(GRAFANA_VARIABLE, (_match: string, braced?: string, bare?: string, bracketed?: string, offset = 0) => {
    const name = braced ?? bare ?? bracketed ?? "";
    if (inString[offset]) return VARIABLE_PLACEHOLDER;
    if (/^__(from|to)$|^__\w+_(ms|s)$/.test(name)) return "300";
    const before = expr.slice(0, offset).trimEnd();
    if (DURATION_VARIABLES.has(name) || /(\[|:|\boffset)$/.test(before)) return "5m";
    return JSON.stringify(VARIABLE_PLACEHOLDER);
  });
}

/** The value of a PromQL string literal: Go's escapes in '…' and "…", none in `…`. */
function unquote(literal: string): string {
  const body = literal.slice(1, -1);
  if (literal.startsWith("`")) return body;
  const simple: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_, e: string) => {
    if (/^[xuU]/.test(e) && e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (/^[0-7]{3}$/.test(e)) return String.fromCodePoint(parseInt(e, 8));
    return simple[e] ?? e;
  });
}

/** An expression as written, and as parsed (Grafana variables substituted). */
interface Expression {
  readonly expr: string;
  readonly parsed: string;
}

/** The names a `__name__` regex selects: only a plain alternation of literal names can be checked. */
function regexNames(source: Expression, regex: string): string[] {
  const alternation = /^\((?:\?:)?(.*)\)$/.exec(regex)?.[1] ?? regex;
  const names = alternation.split("|");
  if (!names.every((n) => METRIC_NAME.test(n))) {
    throw new Error(
      `${JSON.stringify(source.expr)}: the metric-name regex ${JSON.stringify(regex)} is not a plain alternation of names (a|b|c), so what it selects cannot be checked`,
    );
  }
  return names;
}

/** The metric names one vector selector selects; none for a selector of labels only (`{job="x"}`). */
function selectorNames(source: Expression, selector: SyntaxNode): string[] {
  const text = (node: SyntaxNode): string => source.parsed.slice(node.from, node.to);
  const names: string[] = [];
  const identifier = selector.getChild("Identifier");
  if (identifier) names.push(text(identifier));
  for (const item of selector.getChild("LabelMatchers")?.getChildren("QuotedLabelName") ?? []) {
    // A quoted name standing alone in the braces is the metric's (UTF-8) name: {"my.metric"}.
    names.push(unquote(text(item.getChild("StringLiteral")!)));
  }
  const matchers = selector.getChild("LabelMatchers");
  for (const matcher of [...(matchers?.getChildren("UnquotedLabelMatcher") ?? []), ...(matchers?.getChildren("QuotedLabelMatcher") ?? [])]) {
    const label = matcher.getChild("LabelName") ?? matcher.getChild("QuotedLabelName")?.getChild("StringLiteral");
    const value = matcher.getChild("StringLiteral");
    if (!label || !value) continue;
    const labelName = label.name === "StringLiteral" ? unquote(text(label)) : text(label);
    if (labelName !== "__name__") continue;
    const op = matcher.getChild("MatchOp")?.firstChild?.name;
    // `!=` and `!~` on the name only narrow what the other matchers select: they add no name.
    if (op === "EqlSingle") names.push(unquote(text(value)));
    else if (op === "EqlRegex") names.push(...regexNames(source, unquote(text(value))));
  }
  for (const name of names) {
    if (name.includes(VARIABLE_PLACEHOLDER)) throw new Error(`${JSON.stringify(source.expr)}: a metric name taken from a Grafana variable cannot be checked`);
  }
  return names;
}

/** Throws, naming the expression, where the parser found an error or a string lacks its closing quote. */
function assertParsed({ expr, parsed }: Expression, tree: Tree): void {
  let at: number | undefined;
  tree.iterate({
    enter: (node) => {
      if (at !== undefined) return false;
      const literal = node.name === "StringLiteral" ? parsed.slice(node.from, node.to) : undefined;
      if (node.type.isError || (literal !== undefined && (literal.length < 2 || literal[literal.length - 1] !== literal[0]))) at = node.from;
      return undefined;
    },
  });
  if (at === undefined) return;
  const where = parsed === expr ? "" : ` of ${JSON.stringify(parsed)} (its Grafana variables substituted)`;
  throw new Error(`PromQL syntax error in ${JSON.stringify(expr)} at position ${at}${where}`);
}

/**
 * The metric names a PromQL expression selects, sorted: `foo{…}`, `{__name__="foo"}`,
 * `{__name__=~"a|b"}` and `{"foo"}` selectors, and the `target_info` that `info()` joins by default.
 * Throws on a syntax error and on a name that cannot be checked (a name regex that is not a plain
 * alternation, a name from a Grafana variable).
 */
export function metricNames(expr: string): string[] {
  const source = { expr, parsed: substituteGrafanaVariables(expr) };
  const tree = parser.parse(source.parsed);
  assertParsed(source, tree);
  const names = new Set<string>();
  tree.iterate({
    enter: (ref) => {
      if (ref.name === "VectorSelector") selectorNames(source, ref.node).forEach((n) => names.add(n));
      if (ref.name === "FunctionCall" && ref.node.getChild("FunctionIdentifier")?.getChild("Info")) {
        const args: SyntaxNode[] = [];
        for (let arg = ref.node.getChild("FunctionCallBody")?.firstChild; arg; arg = arg.nextSibling) args.push(arg);
        const data = args[1];
        if (!data || (data.name === "VectorSelector" && selectorNames(source, data).length === 0)) names.add("target_info");
      }
    },
  });
  return [...names].sort();
}
