import { MESH_TELEMETRY } from "../../../catalog";
import { RuleGroup, alertRule } from "./types";

/** istiod's job (its monitoring port in istio-system). */
export const ISTIOD_JOB = MESH_TELEMETRY.istiodJob;
/** Every sidecar's merged metrics (pilot-agent on 15020: Istio's standard metrics, Envoy's and the agent's). */
export const ENVOY_JOB = MESH_TELEMETRY.sidecarJob;

/** istiod's health: it answers, pushes configuration the proxies accept, and signs the workloads' certificates. */
export function istiodAlerts(runbook: string): RuleGroup {
  const job = `job="${ISTIOD_JOB}"`;
  const sendErrors = ["cds", "eds", "lds", "rds"].map((type) => `${type}_senderr`).join("|");
  return {
    name: "istiod",
    rules: [
      alertRule(runbook, {
        alert: "IstiodDown",
        expr: `up{${job}} == 0`,
        for: "5m",
        severity: "warning",
        summary: "istiod pod {{ $labels.pod }} does not answer",
        description:
          "Prometheus has not reached istiod's pod {{ $labels.pod }} for 5 minutes: the proxies it served reconnect to another replica, if there is one.",
      }),
      alertRule(runbook, {
        alert: "IstiodUnavailable",
        expr: `sum by (namespace) (up{${job}}) == 0`,
        for: "2m",
        severity: "critical",
        summary: "No istiod answers in {{ $labels.namespace }}",
        description:
          "Every istiod pod in {{ $labels.namespace }} has failed its scrapes for 2 minutes: no configuration reaches the sidecars, new pods get no sidecar or certificate, and the workloads' certificates are no longer renewed.",
      }),
      alertRule(runbook, {
        alert: "IstiodXdsPushErrors",
        expr: `sum by (namespace, pod) (rate(pilot_xds_pushes{${job}, type=~"${sendErrors}"}[5m])) > 0 or sum by (namespace, pod) (rate(pilot_total_xds_internal_errors{${job}}[5m])) > 0`,
        for: "10m",
        severity: "warning",
        summary: "istiod pod {{ $labels.pod }} fails to push configuration",
        description:
          "istiod's pod {{ $labels.pod }} has failed to send xDS configuration to proxies, or hit internal xDS errors, for 10 minutes: the proxies it serves run stale routes, clusters or endpoints.",
      }),
      alertRule(runbook, {
        alert: "IstioConfigRejected",
        expr: `sum by (type) (increase(pilot_total_xds_rejects{${job}}[10m])) > 0`,
        severity: "warning",
        summary: "Sidecars reject istiod's {{ $labels.type }} configuration",
        description:
          "Proxies rejected (NACKed) {{ $labels.type }} configuration istiod pushed in the last 10 minutes: they keep their previous configuration, so a recent VirtualService, DestinationRule or policy change is not in effect.",
      }),
      alertRule(runbook, {
        alert: "IstiodCertificateSigningErrors",
        expr: `sum by (namespace, pod) (rate(citadel_server_csr_sign_err_count{${job}}[5m])) > 0`,
        for: "10m",
        severity: "critical",
        summary: "istiod pod {{ $labels.pod }} fails to sign workload certificates",
        description:
          "istiod's CA in {{ $labels.pod }} has been failing to sign certificate requests for 10 minutes: new pods cannot join the mesh, and running ones lose mTLS when their certificates expire.",
      }),
    ],
  };
}

/** The sidecars' health: they answer, and the destinations behind them do not answer with 5xx. */
export function envoyAlerts(runbook: string): RuleGroup {
  const job = `job="${ENVOY_JOB}"`;
  const by = "destination_workload_namespace, destination_service_name";
  const requests = (extra = "") => `${job}, reporter="destination"${extra ? `, ${extra}` : ""}`;
  return {
    name: "istio-sidecars",
    rules: [
      alertRule(runbook, {
        alert: "IstioSidecarDown",
        expr: `up{${job}} == 0`,
        for: "5m",
        severity: "warning",
        summary: "The sidecar of {{ $labels.pod }} does not answer",
        description:
          "Prometheus has not reached the Istio sidecar (pilot-agent on 15020) of {{ $labels.pod }} in {{ $labels.namespace }} for 5 minutes: the proxy is down or stuck, and the pod's traffic with it.",
      }),
      alertRule(runbook, {
        alert: "IstioHighServerErrors",
        expr: `sum by (${by}) (rate(istio_requests_total{${requests('response_code=~"5.."')}}[5m])) / sum by (${by}) (rate(istio_requests_total{${requests()}}[5m])) > 0.05`,
        for: "5m",
        severity: "warning",
        summary: "More than 5 % of requests to {{ $labels.destination_service_name }} end in 5xx",
        description:
          "For 5 minutes the sidecars in front of {{ $labels.destination_service_name }} in {{ $labels.destination_workload_namespace }} have answered more than 5 % of the requests they received with a 5xx, from the workload or from the proxy itself.",
      }),
    ],
  };
}
