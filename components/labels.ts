/** Labels every object of the ecosystem carries (the recommended `app.kubernetes.io/*` set). */
export function commonLabels(name: string, component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": "microservices-ecosystem",
  };
}

/** A service's pod labels: Istio subsets select on `version`, the spec's policies on `tier`. */
export function serviceLabels(name: string, version: string): Record<string, string> {
  return {
    app: name,
    version,
    tier: "microservices",
    ...commonLabels(name, "microservice"),
    "app.kubernetes.io/instance": `${name}-${version}`,
    "app.kubernetes.io/version": version,
  };
}
