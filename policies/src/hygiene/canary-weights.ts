import { Props, describe } from "../lib/k8s";
import { isVirtualService } from "../lib/istio";
import { ADVISORY, resourcePolicy } from "../lib/policy";

export interface WeightSettings {
  total: number;
}

/** Traffic splitting: in every route of a VirtualService with several destinations, the weights add up to 100. */
export const canaryWeights = resourcePolicy<WeightSettings>(
  {
    name: "canary-weights",
    description: "Weighted routes of a VirtualService split exactly 100 percent of the traffic.",
    enforcementLevel: ADVISORY,
    severity: "medium",
    configSchema: {
      properties: { total: { type: "integer", default: 100, description: "The sum the weights of one route must reach." } },
    },
  },
  isVirtualService,
  (props, settings, report) => {
    for (const protocol of ["http", "tcp", "tls"]) {
      ((props.spec?.[protocol] ?? []) as Props[]).forEach((rule, i) => {
        const routes = (rule?.route ?? []) as Props[];
        const weighted = routes.some((r) => r?.weight !== undefined);
        if (routes.length < 2 && !weighted) return;
        if (routes.length === 1 && (routes[0].weight === settings.total || routes[0].weight === undefined)) return;
        const sum = routes.reduce((total, r) => total + (typeof r?.weight === "number" ? r.weight : 0), 0);
        if (sum !== settings.total) {
          const parts = routes.map((r) => `${r?.destination?.subset ?? r?.destination?.host ?? "?"}=${r?.weight ?? "unset"}`).join(", ");
          report(
            `${describe(props, "VirtualService")}: the weights of spec.${protocol}[${i}].route add up to ${sum} (${parts}), not ${settings.total}: adjust them to sum to ${settings.total}.`,
          );
        }
      });
    }
  },
);
