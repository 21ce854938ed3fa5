import { DocumentValue } from "../documents";
import { service, specUrl } from "../lookup";
import { POSTGRES } from "./data";
import { WORKLOAD } from "./workload";

const user = () => service("user_service");
const order = () => service("order_service");
const probe = (p: { path: string; initialDelaySeconds: number; periodSeconds: number }, port: number) => ({
  httpGet: { path: p.path, port },
  initialDelaySeconds: p.initialDelaySeconds,
  periodSeconds: p.periodSeconds,
});
/** The sample's liveness waits 30 s; applied pods have a startup probe instead (WORKLOAD.startup). */
const sampleLiveness = { ...WORKLOAD.liveness, initialDelaySeconds: 30 };
const postgresUrl = (role: string, database: string | undefined) => `postgresql://${role}:pass@${POSTGRES.host}:${POSTGRES.port}/${database}`;

/**
 * The spec's deployment samples: a Docker Compose file and a single 20-replica Deployment.
 * They are emitted as written (sample credentials included); the stacks apply per-service
 * Deployments with generated credentials instead.
 */
export function dockerCompose(): DocumentValue {
  return {
    version: "3.8",
    services: {
      user_service: {
        image: WORKLOAD.specImage("user"),
        ports: [`${user().port}:${user().port}`],
        environment: [`DATABASE_URL=${postgresUrl("user", user().database)}`, `AUTH_SERVICE_URL=${specUrl("auth_service")}`],
        depends_on: ["postgres", "auth_service"],
        deploy: {
          replicas: user().replicas,
          resources: { limits: { memory: "512M", cpus: "0.5" } },
        },
      },
      order_service: {
        image: WORKLOAD.specImage("order"),
        ports: [`${order().port}:${order().port}`],
        environment: [
          `DATABASE_URL=${postgresUrl("order", order().database)}`,
          `USER_SERVICE_URL=${specUrl("user_service")}`,
          `PAYMENT_SERVICE_URL=${specUrl("payment_service")}`,
        ],
        depends_on: ["postgres", "user_service", "payment_service"],
        deploy: { replicas: order().replicas },
      },
      postgres: {
        image: POSTGRES.specImage,
        environment: [
          `POSTGRES_MULTIPLE_DATABASES=${["user_service", "order_service", "payment_service"].map((s) => service(s).database).join(",")}`,
          "POSTGRES_USER=postgres",
          "POSTGRES_PASSWORD=postgres",
        ],
        volumes: ["postgres_data:/var/lib/postgresql/data"],
      },
    },
    volumes: { postgres_data: null },
  };
}

/** The spec's single Deployment (its 20 replicas are the spec's sample figure). */
export function kubernetesManifest(): DocumentValue {
  const port = user().port;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "microservices-deployment", labels: { app: "microservices" } },
    spec: {
      replicas: 20,
      selector: { matchLabels: { app: "microservices" } },
      template: {
        metadata: {
          labels: { app: "microservices" },
          annotations: {
            "sidecar.istio.io/inject": "true",
            "prometheus.io/scrape": "true",
            "prometheus.io/port": "8080",
          },
        },
        spec: {
          containers: [
            {
              name: "user-service",
              image: WORKLOAD.specImage("user"),
              ports: [{ containerPort: port }],
              env: [{ name: "SERVICE_NAME", value: "user_service" }],
              livenessProbe: probe(sampleLiveness, port),
              readinessProbe: probe(WORKLOAD.readiness, port),
              resources: WORKLOAD.resources,
            },
          ],
        },
      },
    },
  };
}
