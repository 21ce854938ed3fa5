import { DocumentValue } from "../documents";

/** Breaker defaults for services whose config names none (resilience_patterns.json). */
export const DEFAULT_CIRCUIT_BREAKER = { failure_threshold: 5, timeout: 60, fallback_enabled: true } as const;

/** Autoscaling bounds of capacity_planning.json: every service's HPA reads them. */
export const AUTOSCALING = { minReplicas: 2, maxReplicas: 50, targetCpuUtilization: 70 };

/** Chaos engineering: the experiments and the resilience patterns the services follow. */
export const CHAOS = {
  experiments: {
    experiments: {
      network_latency: {
        target: "order_service",
        fault: {
          type: "latency",
          duration: "60s",
          delay: "500ms",
          percentage: 50,
        },
        hypothesis: "System should handle increased latency gracefully",
      },
      service_failure: {
        target: "payment_service",
        fault: {
          type: "pod_failure",
          duration: "120s",
          percentage: 25,
        },
        hypothesis: "Circuit breaker should activate and system should fallback",
      },
      memory_pressure: {
        target: "user_service",
        fault: {
          type: "memory_stress",
          duration: "300s",
          size: "256MB",
        },
        hypothesis: "Service should maintain functionality under memory pressure",
      },
    },
    monitoring: {
      metrics: ["error_rate", "response_time", "throughput"],
      alerts: ["circuit_breaker_open", "high_latency", "service_unavailable"],
    },
    recovery_validation: {
      health_check_interval: 10,
      success_criteria: "error_rate < 1%",
    },
  } as DocumentValue,
  resiliencePatterns: {
    patterns: {
      circuit_breaker: {
        services: ["user_service", "order_service", "payment_service"],
        failure_threshold: DEFAULT_CIRCUIT_BREAKER.failure_threshold,
        timeout: DEFAULT_CIRCUIT_BREAKER.timeout,
        half_open_max_calls: 3,
      },
      bulkhead: {
        thread_pools: {
          user_operations: 10,
          order_operations: 15,
          payment_operations: 5,
        },
        connection_pools: {
          database: 20,
          external_api: 10,
        },
      },
      timeout: {
        service_to_service: 30,
        external_api: 45,
        database: 10,
      },
      retry: {
        max_attempts: 3,
        backoff: "exponential",
        jitter: true,
      },
    },
    testing: {
      load_testing: {
        rps: 1000,
        duration: "10m",
        ramp_up: "2m",
      },
      fault_injection: {
        enabled: true,
        failure_rate: 0.01,
      },
    },
  } as DocumentValue,
};

export const SECURITY = {
  policies: {
    authentication: {
      jwt: {
        issuer: "auth_service",
        algorithm: "RS256",
        expiry: 3600,
      },
      api_keys: {
        rotation_schedule: "monthly",
        strength: "high",
      },
      oauth2: {
        providers: ["google", "github"],
        scopes: ["read", "write"],
      },
    },
    authorization: {
      rbac: {
        roles: ["user", "admin", "service"],
        permissions: ["create", "read", "update", "delete"],
      },
      policies: [
        {
          effect: "allow",
          subject: "user",
          resource: "orders",
          action: "create",
        },
        {
          effect: "allow",
          subject: "admin",
          resource: "*",
          action: "*",
        },
      ],
    },
    encryption: {
      data_at_rest: "aes_256",
      data_in_transit: "tls_1_3",
      key_management: "vault",
    },
    compliance: ["gdpr", "pci_dss", "sox"],
  } as DocumentValue,
  vulnerabilityScan: {
    scan_schedule: "daily",
    tools: ["trivy", "clair", "snyk"],
    coverage: ["container_images", "dependencies", "infrastructure"],
    severity_thresholds: {
      critical: 0,
      high: 5,
      medium: 20,
    },
    remediation: {
      auto_update_low_severity: true,
      notification_channels: ["slack", "email"],
      sla: {
        critical: "4h",
        high: "24h",
        medium: "7d",
      },
    },
    compliance_checks: {
      cis_benchmarks: true,
      nist_framework: true,
      owasp_top_10: true,
    },
  } as DocumentValue,
};

export const PERFORMANCE = {
  loadTesting: {
    test_scenarios: {
      normal_load: {
        users: 1000,
        ramp_up: "5m",
        duration: "15m",
        requests_per_second: 500,
      },
      peak_load: {
        users: 5000,
        ramp_up: "10m",
        duration: "30m",
        requests_per_second: 2000,
      },
      stress_test: {
        users: 10000,
        ramp_up: "15m",
        duration: "60m",
        requests_per_second: 5000,
      },
    },
    performance_targets: {
      response_time_p95: "500ms",
      error_rate: "<0.1%",
      throughput: ">1000rps",
    },
    monitoring_during_tests: ["cpu_usage", "memory_usage", "network_io", "database_connections"],
    bottleneck_detection: {
      enabled: true,
      analysis: "automatic",
    },
  } as DocumentValue,
  capacityPlanning: {
    current_capacity: {
      cpu_cores: 40,
      memory_gb: 160,
      storage_gb: 1000,
      network_bandwidth: "10Gbps",
    },
    growth_projections: {
      users: {
        current: 10000,
        "6_months": 50000,
        "12_months": 100000,
      },
      requests: {
        current: "1000rps",
        "6_months": "5000rps",
        "12_months": "10000rps",
      },
    },
    scaling_thresholds: {
      cpu_utilization: 70,
      memory_utilization: 80,
      response_time_p95: 500,
    },
    auto_scaling: {
      horizontal: {
        min_replicas: AUTOSCALING.minReplicas,
        max_replicas: AUTOSCALING.maxReplicas,
        target_cpu: AUTOSCALING.targetCpuUtilization,
      },
      vertical: {
        enabled: false,
        max_cpu: "2000m",
        max_memory: "4Gi",
      },
    },
  } as DocumentValue,
};
