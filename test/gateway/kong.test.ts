import { strict as assert } from "assert";
import { generateKeyPairSync } from "crypto";
import { parse } from "yaml";
import { GATEWAY, SERVICES, kubernetesName, service } from "../../catalog";
import { KongDeclarativeConfig, kongConfigProblems, kongDeclarativeConfig } from "../../components/kong";
import { render, Rendered } from "../helpers/render";
import { assertChildrenOf, assertConfigError, assertHardenedDeployment, cpuAndMemory } from "../observability/workload-checks";

type Obj = Record<string, any>;

const declarativeConfig = (r: Rendered): KongDeclarativeConfig => {
  const cm = r.object("ConfigMap", "kong-declarative-config", GATEWAY.namespace) as Obj;
  return parse(cm.data["kong.yml"]) as KongDeclarativeConfig;
};
const plugin = (config: KongDeclarativeConfig, name: string): Obj => {
  const found = config.plugins.filter((p) => p.name === name);
  assert.equal(found.length, 1, `one ${name} plugin`);
  return found[0].config as Obj;
};

describe("Kong", () => {
  describe("rendered alone on dev", () => {
    let r: Rendered;
    let config: KongDeclarativeConfig;
    before(async () => {
      r = await render({ components: ["kong"] });
      config = declarativeConfig(r);
    });

    it("runs in its own namespace, outside any mesh", () => {
      const ns = r.object("Namespace", GATEWAY.namespace) as Obj;
      assert.equal(ns.metadata.labels["istio-injection"], undefined);
      assert.equal((r.object("ServiceAccount", GATEWAY.serviceAccount, GATEWAY.namespace) as Obj).automountServiceAccountToken, false);
    });

    it("registers every object as a child of the component", () => {
      assertChildrenOf(r, "microservices:platform:Kong", ["Namespace", "ServiceAccount", "ConfigMap", "Deployment", "Service"]);
    });

    it("declarative config is valid Kong 3.x DB-less config", () => {
      assert.equal(config._format_version, "3.0");
      assert.deepEqual(kongConfigProblems(config), []);
    });

    it("routes the spec's paths to the real Service FQDNs and ports", () => {
      assert.equal(config.services.length, GATEWAY.routes.length);
      for (const route of GATEWAY.routes) {
        const name = kubernetesName(route.service);
        const svc = config.services.find((s) => s.name === name);
        assert.ok(svc, `a Kong service for ${route.service}`);
        const port = service(route.service).port;
        assert.equal(svc.url, `http://${name}.microservices.svc.cluster.local:${port}`);
        // The URL names a Service the stack really creates, on that port.
        const k8sService = r.object("Service", name, "microservices") as Obj;
        assert.ok(k8sService.spec.ports.some((p: Obj) => p.port === port));
        assert.deepEqual(svc.routes[0].paths, [route.path]);
        assert.deepEqual(
          svc.routes[0].methods.filter((m) => m !== "OPTIONS"),
          [...route.methods],
        );
        assert.ok(svc.routes[0].methods.includes("OPTIONS"), "CORS preflights match the route");
        assert.equal(svc.routes[0].strip_path, false);
      }
    });

    it("rate limits with the catalog's numbers, counted locally per client", () => {
      const rl = plugin(config, "rate-limiting");
      assert.equal(rl.minute, GATEWAY.rateLimit.minute);
      assert.equal(rl.hour, GATEWAY.rateLimit.hour);
      assert.equal(rl.minute, 100);
      assert.equal(rl.hour, 1000);
      assert.equal(rl.policy, "local");
    });

    it("allows exactly the spec's CORS origins, never *", () => {
      const cors = plugin(config, "cors");
      assert.deepEqual(cors.origins, [...GATEWAY.corsOrigins]);
      assert.deepEqual(cors.origins, ["http://localhost:3000", "https://app.example.com"]);
      assert.ok(!cors.origins.includes("*"));
      assert.ok(!JSON.stringify(config).includes('"*"'));
    });

    it("verifies JWTs issued by the auth service; without a key no token verifies", () => {
      const jwt = plugin(config, "jwt");
      assert.equal(jwt.key_claim_name, "iss");
      assert.deepEqual(jwt.claims_to_verify, ["exp"]);
      assert.equal(jwt.maximum_expiration, service(GATEWAY.authService).security?.jwt_expiry);
      assert.equal(jwt.run_on_preflight, false);
      assert.deepEqual(jwt.uri_param_names, []);
      assert.deepEqual(config.consumers, [{ username: GATEWAY.authService }]);
    });

    it("DB-less Kong from the official image, Admin API off, config mounted from the ConfigMap", () => {
      const d = assertHardenedDeployment(r, "kong", GATEWAY.namespace);
      const pod = d.spec.template.spec;
      const c = pod.containers[0];
      assert.equal(c.image, GATEWAY.image);
      assert.match(c.image, /^kong:3\.\d+\.\d+$/);
      const env = Object.fromEntries(c.env.map((e: Obj) => [e.name, e.value]));
      assert.equal(env.KONG_DATABASE, "off");
      assert.equal(env.KONG_ADMIN_LISTEN, "off");
      assert.equal(env.KONG_PROXY_LISTEN, `0.0.0.0:${GATEWAY.proxyPort}`);
      assert.equal(env.KONG_NGINX_WORKER_PROCESSES, String(GATEWAY.sizing.dev.nginxWorkers));
      const mount = c.volumeMounts.find((m: Obj) => env.KONG_DECLARATIVE_CONFIG.startsWith(`${m.mountPath}/`));
      const volume = pod.volumes.find((v: Obj) => v.name === mount.name);
      assert.equal(volume.configMap.name, "kong-declarative-config");
      assert.equal(env.KONG_DECLARATIVE_CONFIG, `${mount.mountPath}/kong.yml`);
      assert.ok(
        c.volumeMounts.some((m: Obj) => m.mountPath === env.KONG_PREFIX),
        "writable prefix on a read-only root",
      );
      assert.deepEqual(c.ports.map((p: Obj) => p.containerPort).sort(), [GATEWAY.proxyPort, GATEWAY.statusPort].sort());
      assert.equal(c.readinessProbe.httpGet.path, "/status/ready");
      assert.deepEqual(cpuAndMemory(c.resources), GATEWAY.sizing.dev.resources);
      assert.equal(d.spec.replicas, 1);
      assert.match(d.spec.template.metadata.annotations["checksum/declarative-config"], /^[0-9a-f]{64}$/);
    });

    it("proxy Service is a NodePort on 30080 (kind maps host 8080 to it), never a LoadBalancer", () => {
      const s = r.object("Service", "kong-proxy", GATEWAY.namespace) as Obj;
      assert.equal(s.spec.type, "NodePort");
      assert.notEqual(s.spec.type, "LoadBalancer");
      assert.deepEqual(s.spec.ports, [
        {
          name: "http-proxy",
          port: GATEWAY.proxyPort,
          targetPort: "proxy",
          protocol: "TCP",
          appProtocol: "http",
          nodePort: 30080,
        },
      ]);
      assert.equal(r.objects("Service").filter((o) => o.metadata.namespace === GATEWAY.namespace).length, 1, "no admin Service");
    });

    it("a single replica has no PodDisruptionBudget", () => {
      assert.equal(r.objects("PodDisruptionBudget").filter((o) => o.metadata.namespace === GATEWAY.namespace).length, 0);
    });

    it("still emits the spec's api_gateway files", () => {
      const files = [...r.artifacts().keys()].filter((p) => p.includes("/api_gateway/"));
      assert.equal(files.length, 4);
    });
  });

  describe("in the full dev stack", () => {
    let r: Rendered;
    before(async () => {
      r = await render();
    });

    it("joins the mesh as its edge: injected namespace, inbound proxy port left to clients", () => {
      assert.equal((r.object("Namespace", GATEWAY.namespace) as Obj).metadata.labels["istio-injection"], "enabled");
      const d = r.object("Deployment", "kong", GATEWAY.namespace) as Obj;
      assert.equal(d.spec.template.metadata.annotations["traffic.sidecar.istio.io/includeInboundPorts"], "");
    });

    it("every Kong upstream is a Service the stack creates", () => {
      const config = declarativeConfig(r);
      assert.deepEqual(kongConfigProblems(config), []);
      for (const svc of config.services) {
        const url = new URL(svc.url);
        const [name, namespace] = url.hostname.split(".");
        const k8sService = r.object("Service", name, namespace) as Obj;
        assert.equal(k8sService.spec.ports[0].port, Number(url.port));
      }
    });

    it("proxy Service is not a LoadBalancer on dev", () => {
      assert.notEqual((r.object("Service", "kong-proxy", GATEWAY.namespace) as Obj).spec.type, "LoadBalancer");
    });
  });

  describe("with the auth service's public key", () => {
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    let config: KongDeclarativeConfig;
    before(async () => {
      config = declarativeConfig(await render({ components: ["kong"], kong: { jwtPublicKey: pem } }));
    });

    it("gives the issuer consumer an RS256 credential keyed by the iss claim", () => {
      assert.deepEqual(config.consumers, [
        {
          username: GATEWAY.authService,
          jwt_secrets: [{ key: GATEWAY.authService, algorithm: "RS256", rsa_public_key: pem }],
        },
      ]);
      assert.deepEqual(kongConfigProblems(config), []);
    });
  });

  describe("on prod", () => {
    let r: Rendered;
    before(async () => {
      r = await render({ components: ["kong"], environment: "prod" });
    });

    it("runs two workers per pod, two pods, a PodDisruptionBudget and a LoadBalancer", () => {
      const d = r.object("Deployment", "kong", GATEWAY.namespace) as Obj;
      assert.equal(d.spec.replicas, GATEWAY.sizing.prod.replicas);
      const resources = d.spec.template.spec.containers[0].resources;
      assert.deepEqual(
        {
          requests: { cpu: resources.requests.cpu, memory: resources.requests.memory },
          limits: { cpu: resources.limits.cpu, memory: resources.limits.memory },
        },
        GATEWAY.sizing.prod.resources,
      );
      const pdb = r.object("PodDisruptionBudget", "kong", GATEWAY.namespace) as Obj;
      assert.equal(pdb.spec.minAvailable, 1);
      const s = r.object("Service", "kong-proxy", GATEWAY.namespace) as Obj;
      assert.equal(s.spec.type, "LoadBalancer");
      assert.equal(s.spec.externalTrafficPolicy, "Local", "client IPs reach the per-IP rate limit");
      assert.equal(s.spec.ports[0].nodePort, undefined);
    });
  });

  describe("the edge over TLS (kong.tls)", () => {
    const listen = (r: Rendered) =>
      ((r.object("Deployment", "kong", GATEWAY.namespace) as Obj).spec.template.spec.containers[0].env as Obj[]).find((e) => e.name === "KONG_PROXY_LISTEN")!
        .value;
    const proxy = (r: Rendered) => (r.object("Service", "kong-proxy", GATEWAY.namespace) as Obj).spec;

    it("prod without kong.tls is refused with one line naming the key", async () => {
      await assert.rejects(render({ components: ["kong"], environment: "prod", kong: {} }), (e: Error) => {
        assert.equal(
          e.message,
          "microservices-ecosystem:kong.tls is not set: prod serves the API over TLS only; set kong.tls.secretName to a kubernetes.io/tls Secret in namespace kong (your own, or one cert-manager keeps)",
        );
        assert.ok(!e.message.includes("\n"));
        return true;
      });
    });

    it("with tls, Kong listens on HTTPS only, with the named Secret's certificate; plain HTTP is closed and routes take HTTPS only", async () => {
      const r = await render({ components: ["kong"], environment: "prod", kong: { tls: { secretName: "api-cert" } } });
      assert.equal(listen(r), "0.0.0.0:8443 ssl http2");
      const pod = (r.object("Deployment", "kong", GATEWAY.namespace) as Obj).spec.template.spec;
      assert.deepEqual(
        pod.volumes.find((v: Obj) => v.name === "tls"),
        { name: "tls", secret: { secretName: "api-cert", defaultMode: 0o440 } },
      );
      assert.deepEqual(
        (pod.containers[0].ports as Obj[]).map((p) => [p.name, p.containerPort]),
        [
          ["proxy-tls", 8443],
          ["status", 8100],
        ],
      );
      assert.deepEqual(
        proxy(r).ports.map((p: Obj) => [p.port, p.targetPort]),
        [[443, "proxy-tls"]],
      );
      for (const svc of declarativeConfig(r).services) for (const route of svc.routes) assert.deepEqual(route.protocols, ["https"]);
    });

    it("httpRedirect keeps HTTP only to answer it with a 308 to HTTPS", async () => {
      const r = await render({ components: ["kong"], environment: "prod", kong: { tls: { secretName: "api-cert" }, httpRedirect: true } });
      assert.equal(listen(r), "0.0.0.0:8443 ssl http2, 0.0.0.0:8000");
      assert.deepEqual(
        proxy(r).ports.map((p: Obj) => [p.port, p.targetPort]),
        [
          [443, "proxy-tls"],
          [80, "proxy"],
        ],
      );
      for (const svc of declarativeConfig(r).services) for (const route of svc.routes) assert.equal(route.https_redirect_status_code, 308);
      assert.deepEqual(kongConfigProblems(declarativeConfig(r)), []);
    });

    it("dev keeps plain HTTP on localhost by default; loadBalancerSourceRanges reach the LoadBalancer and only it", async () => {
      assert.equal(listen(await render({ components: ["kong"] })), "0.0.0.0:8000");
      const prod = await render({
        components: ["kong"],
        environment: "prod",
        kong: { tls: { secretName: "c" }, loadBalancerSourceRanges: ["203.0.113.0/24"] },
      });
      assert.deepEqual(proxy(prod).loadBalancerSourceRanges, ["203.0.113.0/24"]);
      await assertConfigError(
        render({ components: ["kong"], kong: { loadBalancerSourceRanges: ["203.0.113.0/24"] } }),
        "microservices-ecosystem:kong.loadBalancerSourceRanges",
      );
      await assertConfigError(render({ components: ["kong"], kong: { httpRedirect: true } }), "microservices-ecosystem:kong.httpRedirect");
      await assertConfigError(render({ components: ["kong"], kong: { tls: { secretName: "Not_A_Name" } } }), "microservices-ecosystem:kong.tls.secretName");
    });
  });

  describe("settings", () => {
    it("ClusterIP is allowed on dev", async () => {
      const r = await render({ components: ["kong"], kong: { serviceType: "ClusterIP" } });
      const s = r.object("Service", "kong-proxy", GATEWAY.namespace) as Obj;
      assert.equal(s.spec.type, "ClusterIP");
      assert.equal(s.spec.ports[0].nodePort, undefined);
    });

    it("a LoadBalancer on dev is a one-line error naming kong.serviceType", async () => {
      await assertConfigError(render({ components: ["kong"], kong: { serviceType: "LoadBalancer" } }), "microservices-ecosystem:kong.serviceType");
    });

    it("an unknown service type, a node port outside the range, an unknown field and a bad key name their key", async () => {
      await assertConfigError(render({ components: ["kong"], kong: { serviceType: "Ingress" } }), "microservices-ecosystem:kong.serviceType");
      await assertConfigError(render({ components: ["kong"], kong: { nodePort: 8080 } }), "microservices-ecosystem:kong.nodePort");
      await assertConfigError(render({ components: ["kong"], kong: { replica: 2 } }), "replica");
      await assertConfigError(render({ components: ["kong"], kong: { jwtPublicKey: "not a key" } }), "microservices-ecosystem:kong.jwtPublicKey");
      const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      await assertConfigError(
        render({ components: ["kong"], kong: { jwtPublicKey: publicKey.export({ type: "spki", format: "pem" }).toString() } }),
        "microservices-ecosystem:kong.jwtPublicKey",
      );
    });
  });
});

describe("Kong declarative config checks", () => {
  const valid = kongDeclarativeConfig({ namespace: "microservices", services: SERVICES });
  const pluginOf = (c: Obj, name: string): Obj => (c.plugins as Obj[]).find((p) => p.name === name)!;
  const broken = (change: (c: Obj) => void): string[] => {
    const copy = structuredClone(valid) as Obj;
    change(copy);
    return kongConfigProblems(copy as KongDeclarativeConfig);
  };

  it("accepts the generated config", () => {
    assert.deepEqual(kongConfigProblems(valid), []);
  });

  it("rejects what Kong would reject", () => {
    assert.match(
      broken((c) => {
        c._format_version = "2.1";
      }).join(),
      /_format_version/,
    );
    assert.match(
      broken((c) => {
        c.services[0].url = "user-service:8001";
      }).join(),
      /not a URL|protocol/,
    );
    assert.match(
      broken((c) => {
        c.services[0].routes[0].paths = ["api/users"];
      }).join(),
      /normalized path/,
    );
    assert.match(
      broken((c) => {
        c.services[1].routes[0].name = c.services[0].routes[0].name;
      }).join(),
      /used twice/,
    );
    assert.match(
      broken((c) => {
        c.services[0].routes[0].methods.push("FETCH");
      }).join(),
      /not an HTTP method/,
    );
    assert.match(
      broken((c) => {
        pluginOf(c, "rate-limiting").config.per_minute = 5;
      }).join(),
      /unknown field per_minute/,
    );
    assert.match(
      broken((c) => {
        pluginOf(c, "rate-limiting").config.hour = 10;
      }).join(),
      /hour must be at least minute/,
    );
    assert.match(
      broken((c) => {
        pluginOf(c, "rate-limiting").config.policy = "cluster";
      }).join(),
      /needs a database/,
    );
    assert.match(
      broken((c) => {
        pluginOf(c, "cors").config.origins = ["*"];
        pluginOf(c, "cors").config.credentials = true;
      }).join(),
      /credentials cannot be combined/,
    );
    assert.match(
      broken((c) => {
        c.plugins.push({ name: "jwt-signer", config: {} });
      }).join(),
      /jwt-signer/,
    );
    assert.match(
      broken((c) => {
        pluginOf(c, "jwt").config.claims_to_verify = ["aud"];
      }).join(),
      /claims_to_verify/,
    );
    assert.match(
      broken((c) => {
        c.consumers[0].jwt_secrets = [{ key: "auth_service", algorithm: "RS256" }];
      }).join(),
      /needs rsa_public_key/,
    );
    assert.match(
      broken((c) => {
        c.consumers[0].jwt_secrets = [{ key: "auth_service", algorithm: "RS256", rsa_public_key: "x" }];
      }).join(),
      /not a PEM/,
    );
  });
});
