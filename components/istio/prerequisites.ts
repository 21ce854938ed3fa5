import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MESH } from "../../catalog";

/** `networking.istio.io/v1` + `DestinationRule` → `destinationrules.networking.istio.io`. */
export function crdName(apiVersion: string, kind: string): string {
  const lower = kind.toLowerCase();
  const plural = lower.endsWith("y") ? `${lower.slice(0, -1)}ies` : `${lower}s`;
  return `${plural}.${apiVersion.split("/")[0]}`;
}

/**
 * With `install: false` the stack relies on an Istio someone else installed. Reading its root
 * namespace and the CRDs of the kinds the stack applies makes a cluster without them fail the
 * preview at once, naming what is missing, instead of each create retrying for a minute.
 */
export function requireInstalledIstio(
  parent: pulumi.Resource,
  provider: k8s.Provider,
  kinds: readonly { readonly apiVersion: string; readonly kind: string }[],
): pulumi.Resource[] {
  const opts = { parent, provider };
  const crds = [...new Set(kinds.map((k) => crdName(k.apiVersion, k.kind)))].sort();
  return [
    k8s.core.v1.Namespace.get(`required-namespace-${MESH.rootNamespace}`, MESH.rootNamespace, opts),
    ...crds.map((name) => k8s.apiextensions.v1.CustomResourceDefinition.get(`required-crd-${name}`, name, opts)),
  ];
}
