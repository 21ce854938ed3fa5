import { DocumentValue, float } from "../documents";
import { PlatformSizing } from "./gateway";

/** The namespace of the observability stack (Jaeger, Prometheus, the spec's alertmanagers). */
const MONITORING_NAMESPACE = "monitoring";
/** The folder of Prometheus's rule files: the spec's `rule_files` glob reads `*.yml` in it. */
const PROMETHEUS_RULES_DIR = "/etc/prometheus/rules";

/** Jaeger: the production custom resource of the spec, and the sampling strategies. */
export const JAEGER = {
  namespace: MONITORING_NAMESPACE,
  /** The all-in-one's name: its Deployment, its pods' `app` label and its ServiceAccount. */
  workload: "jaeger",
  /** Service (in `namespace`) that receives OTLP spans: services export to it. */
  collectorService: "jaeger-collector",
  /** Service (in `namespace`) of the query API and UI. */
  queryService: "jaeger-query",
  queryPort: 16686,
  otlpGrpcPort: 4317,
  otlpHttpPort: 4318,
  /** Remote sampling over HTTP: the strategies at `/?service=<name>` (and `/api/sampling`). */
  samplingPort: 5778,
  /** The health check extension's port; `healthPath` answers 200 once the pipelines run. */
  healthPort: 13133,
  healthPath: "/status",
  /** The process's own metrics (Prometheus format) at `/metrics`, on the container port named `metricsPortName`. */
  metricsPort: 8888,
  metricsPortName: "metrics",
  /** Jaeger v2 (v1 reached its end of life on 2025-12-31): one binary, configured by one YAML file. */
  image: "jaegertracing/jaeger:2.22.0",
  sizing: {
    dev: {
      replicas: 1,
      maxTraces: 10000,
      storage: "memory",
      volume: "1Gi",
      retention: "24h",
      resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    },
    prod: {
      replicas: 1,
      maxTraces: 100000,
      storage: "badger",
      volume: "20Gi",
      retention: "168h",
      resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "2Gi" } },
    },
  } satisfies Record<
    "dev" | "prod",
    PlatformSizing & {
      readonly maxTraces: number;
      /** Where traces live: in memory (lost with the pod), or Badger's files on a claim. */
      readonly storage: "memory" | "badger";
      /** The claim's size (Badger). */
      readonly volume: string;
      /** How long Badger keeps spans. */
      readonly retention: string;
    }
  >,
  /** A `jaegertracing.io/v1` Jaeger (needs the Jaeger operator): applied only when `jaeger.operator` is set. */
  productionResource: {
    apiVersion: "jaegertracing.io/v1",
    kind: "Jaeger",
    metadata: {
      name: "microservices-jaeger",
    },
    spec: {
      strategy: "production",
      collector: {
        maxReplicas: 5,
        resources: {
          limits: {
            memory: "1Gi",
          },
          requests: {
            memory: "512Mi",
          },
        },
      },
      storage: {
        type: "elasticsearch",
        elasticsearch: {
          nodeCount: 3,
          storage: {
            size: "100Gi",
          },
          resources: {
            requests: {
              memory: "2Gi",
              cpu: "1000m",
            },
          },
        },
      },
      query: {
        replicas: 2,
        resources: {
          limits: {
            memory: "512Mi",
          },
        },
      },
    },
  } as DocumentValue,
  sampling: {
    sampling_strategies: {
      default_strategy: {
        type: "probabilistic",
        param: 0.1,
      },
      per_service_strategies: [
        {
          service: "user_service",
          type: "adaptive",
          max_traces_per_second: 100,
        },
        {
          service: "payment_service",
          type: "probabilistic",
          param: float(1.0),
        },
        {
          service: "order_service",
          type: "rate_limiting",
          max_traces_per_second: 50,
        },
      ],
    },
    baggage_restrictions: {
      user_id: {
        max_value_length: 100,
      },
      session_id: {
        max_value_length: 50,
      },
    },
    trace_retention: "7_days",
    span_storage_type: "elasticsearch",
  } as DocumentValue,
};

/** Prometheus: the scrape configuration and the services' metrics with their alert rules. */
export const PROMETHEUS = {
  namespace: MONITORING_NAMESPACE,
  /** Prometheus's ServiceAccount: the identity scraped workloads accept traffic from. */
  serviceAccount: "prometheus",
  /** Prometheus's Service (in `namespace`): the UI and API on `port`. */
  service: "prometheus",
  port: 9090,
  /** The 3.13 long-term-support line (3.5 LTS ended 2026-07-31), pinned. */
  image: "prom/prometheus:v3.13.4",
  /** Where the spec's `rule_files` glob looks. */
  rulesDir: PROMETHEUS_RULES_DIR,
  sizing: {
    dev: {
      replicas: 1,
      retention: "24h",
      storage: "2Gi",
      resources: { requests: { cpu: "50m", memory: "192Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    },
    prod: {
      replicas: 1,
      retention: "15d",
      storage: "20Gi",
      resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } },
    },
  } satisfies Record<"dev" | "prod", PlatformSizing & { readonly retention: string; /** The TSDB's claim. */ readonly storage: string }>,
  config: {
    global: {
      scrape_interval: "15s",
      evaluation_interval: "15s",
      external_labels: {
        cluster: "microservices",
        environment: "production",
      },
    },
    scrape_configs: [
      {
        job_name: "microservices",
        kubernetes_sd_configs: [
          {
            role: "endpoints",
            namespaces: {
              names: ["default", "microservices"],
            },
          },
        ],
        relabel_configs: [
          {
            source_labels: ["__meta_kubernetes_service_annotation_prometheus_io_scrape"],
            action: "keep",
            regex: true,
          },
          {
            source_labels: ["__meta_kubernetes_service_annotation_prometheus_io_path"],
            action: "replace",
            target_label: "__metrics_path__",
            regex: "(.+)",
          },
        ],
      },
    ],
    rule_files: [`${PROMETHEUS_RULES_DIR}/*.yml`],
    alerting: {
      alertmanagers: [
        {
          kubernetes_sd_configs: [
            {
              role: "pod",
              namespaces: {
                names: [MONITORING_NAMESPACE],
              },
            },
          ],
          relabel_configs: [
            {
              source_labels: ["__meta_kubernetes_pod_label_alertmanager"],
              action: "keep",
              regex: "prometheus",
            },
          ],
        },
      ],
    },
  } as DocumentValue,
  serviceMetrics: {
    metrics: {
      business_metrics: {
        orders_per_second: {
          type: "counter",
          labels: ["service", "status"],
        },
        revenue_per_minute: {
          type: "gauge",
          labels: ["currency"],
        },
        user_registrations: {
          type: "counter",
          labels: ["source"],
        },
      },
      technical_metrics: {
        http_requests_total: {
          type: "counter",
          labels: ["method", "route", "status_code"],
        },
        http_request_duration: {
          type: "histogram",
          buckets: [0.1, 0.3, float(1.0), float(3.0), float(10.0)],
        },
        database_connections_active: {
          type: "gauge",
          labels: ["service", "database"],
        },
        circuit_breaker_state: {
          type: "gauge",
          labels: ["service", "dependency"],
        },
      },
    },
    alerting_rules: {
      high_error_rate: {
        expr: 'rate(http_requests_total{status_code=~"5.."}[5m]) > 0.01',
        for: "2m",
        severity: "critical",
      },
      high_latency: {
        expr: "histogram_quantile(0.95, rate(http_request_duration_bucket[5m])) > 1",
        for: "5m",
        severity: "warning",
      },
    },
  } as DocumentValue,
};

/** Centralised logging: the structured log format every service writes. */
export const LOGGING = {
  config: {
    log_aggregation: {
      provider: "elasticsearch",
      cluster: ["elastic-1:9200", "elastic-2:9200", "elastic-3:9200"],
      index_pattern: "microservices-logs-*",
      retention_days: 30,
    },
    log_shipping: {
      agent: "fluentbit",
      config: {
        inputs: [
          {
            name: "tail",
            path: "/var/log/containers/*.log",
            parser: "json",
          },
        ],
        filters: [
          {
            name: "kubernetes",
            merge_log: "on",
            "k8s_logging.parser": "on",
          },
        ],
        outputs: [
          {
            name: "es",
            match: "*",
            host: "elasticsearch",
            port: 9200,
            index: "microservices-logs",
          },
        ],
      },
    },
    log_levels: {
      user_service: "INFO",
      payment_service: "DEBUG",
      order_service: "INFO",
    },
    structured_logging: {
      format: "json",
      required_fields: ["timestamp", "service_name", "log_level", "message", "trace_id", "span_id"],
    },
  } as DocumentValue,
};
