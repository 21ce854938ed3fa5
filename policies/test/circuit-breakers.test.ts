import * as assert from "node:assert/strict";
import { circuitBreakerCoverage } from "../src/circuit-breakers/circuit-breaker-coverage";
import { destinationRuleCircuitBreaker } from "../src/circuit-breakers/destination-rule-circuit-breaker";
import { formatDuration, parseDuration } from "../src/lib/durations";
import { NS, Props, T, compliantStack, destinationRule, expectNone, expectOne, mutate, resource, service, violations } from "./fixtures";

const dr = (change?: (p: Props) => void) => {
  const props = destinationRule("user-service");
  change?.(props);
  return resource(T.destinationRule, props);
};
const od = (p: Props) => p.spec.trafficPolicy.outlierDetection;

describe("durations", () => {
  it("parses Istio/Go durations and rejects the rest", () => {
    assert.equal(parseDuration("30s"), 30_000);
    assert.equal(parseDuration("1m"), 60_000);
    assert.equal(parseDuration("500ms"), 500);
    assert.equal(parseDuration("1h30m"), 5_400_000);
    assert.equal(parseDuration("1.5s"), 1500);
    assert.equal(parseDuration("30"), undefined);
    assert.equal(parseDuration("thirty seconds"), undefined);
    assert.equal(parseDuration(30), undefined);
    assert.equal(formatDuration(10_000), "10s");
    assert.equal(formatDuration(90_000), "1m30s");
  });
});

describe("policy destination-rule-circuit-breaker", () => {
  it("is mandatory and passes a rule with outlier detection and a bounded pool", async () => {
    assert.equal(destinationRuleCircuitBreaker.enforcementLevel, "mandatory");
    await expectNone(destinationRuleCircuitBreaker, dr());
  });

  it("accepts the v1beta1 and v1alpha3 forms of the type", async () => {
    for (const version of ["v1beta1", "v1alpha3"]) {
      const props = destinationRule("user-service");
      delete props.spec.trafficPolicy.outlierDetection;
      await expectOne(destinationRuleCircuitBreaker, resource(`kubernetes:networking.istio.io/${version}:DestinationRule`, props), [
        /outlierDetection is unset/,
      ]);
    }
  });

  it("fails a rule without traffic policy, without outlier detection, without connection pool", async () => {
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        delete p.spec.trafficPolicy;
      }),
      [/spec.trafficPolicy is unset/, /outlierDetection .*connectionPool/],
    );
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        delete p.spec.trafficPolicy.outlierDetection;
      }),
      [/spec.trafficPolicy.outlierDetection is unset/],
    );
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        delete p.spec.trafficPolicy.connectionPool;
      }),
      [/spec.trafficPolicy.connectionPool is unset/],
    );
  });

  it("fails an ejection threshold outside 1–10", async () => {
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        od(p).consecutive5xxErrors = 11;
      }),
      [/consecutive5xxErrors is 11, outside 1–10/],
    );
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        od(p).consecutive5xxErrors = 0;
        od(p).consecutiveGatewayErrors = 20;
      }),
      [/consecutiveGatewayErrors is 20/],
    );
  });

  it("fails outlier detection that never ejects", async () => {
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        od(p).consecutive5xxErrors = 0;
      }),
      [/both 0 or unset, so no host is ever ejected/],
    );
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        delete od(p).consecutive5xxErrors;
      }),
      [/sets neither consecutive5xxErrors nor consecutiveGatewayErrors/],
    );
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        od(p).maxEjectionPercent = 0;
      }),
      [/maxEjectionPercent is 0/],
    );
  });

  it("accepts gateway-error-only ejection (5xx at 0)", async () => {
    await expectNone(
      destinationRuleCircuitBreaker,
      dr((p) => {
        od(p).consecutive5xxErrors = 0;
        od(p).consecutiveGatewayErrors = 3;
      }),
    );
  });

  it("fails consecutiveGatewayErrors not below consecutive5xxErrors", async () => {
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        od(p).consecutiveGatewayErrors = 3;
      }),
      [/consecutiveGatewayErrors 3 is not below consecutive5xxErrors 3/],
    );
    await expectNone(
      destinationRuleCircuitBreaker,
      dr((p) => {
        od(p).consecutiveGatewayErrors = 2;
      }),
    );
  });

  it("fails a deprecated consecutiveErrors with its replacement", async () => {
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        delete od(p).consecutive5xxErrors;
        od(p).consecutiveErrors = 5;
      }),
      [/consecutiveErrors is deprecated/, /use .*consecutive5xxErrors/],
    );
  });

  it("fails baseEjectionTime below 10s, in any unit, and one that is no duration", async () => {
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        od(p).baseEjectionTime = "5s";
      }),
      [/baseEjectionTime is 5s, below 10s/],
    );
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        od(p).baseEjectionTime = "500ms";
      }),
      [/below 10s/],
    );
    await expectNone(
      destinationRuleCircuitBreaker,
      dr((p) => {
        od(p).baseEjectionTime = "1m";
      }),
    );
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        od(p).baseEjectionTime = "30";
      }),
      [/is not a duration/],
    );
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        od(p).interval = "often";
      }),
      [/interval "often" is not a duration/],
    );
  });

  it("fails maxEjectionPercent above 50; unset counts as Istio's 10%", async () => {
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        od(p).maxEjectionPercent = 100;
      }),
      [/maxEjectionPercent is 100, above 50/],
    );
    await expectNone(
      destinationRuleCircuitBreaker,
      dr((p) => {
        delete od(p).maxEjectionPercent;
      }),
    );
    await expectNone(
      destinationRuleCircuitBreaker,
      dr((p) => {
        delete od(p).baseEjectionTime;
      }),
    );
  });

  it("fails an unbounded or oversized connection pool", async () => {
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        delete p.spec.trafficPolicy.connectionPool.tcp;
      }),
      [/connectionPool.tcp.maxConnections is unset/],
    );
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        delete p.spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests;
      }),
      [/http.http1MaxPendingRequests is unset/],
    );
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        p.spec.trafficPolicy.connectionPool.tcp.maxConnections = 100000;
      }),
      [/maxConnections is 100000, outside 1–1024/],
    );
  });

  it("fails the spec's trafficPolicy.circuitBreaker block, saying what to use instead", async () => {
    const v = await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        p.spec.trafficPolicy.circuitBreaker = { consecutiveGatewayErrors: 3, interval: "30s", baseEjectionTime: "30s", maxEjectionPercent: 50 };
      }),
      [/spec.trafficPolicy.circuitBreaker is not an Istio field/, /outlierDetection/, /connectionPool/],
    );
    assert.match(v.message, /express it as spec.trafficPolicy.outlierDetection/);
  });

  it("fails the spec's hosts list", async () => {
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        p.spec.hosts = [p.spec.host];
        delete p.spec.host;
      }),
      [/spec.hosts is not a DestinationRule field/],
    );
  });

  it("checks subset and port-level overrides within the same bounds", async () => {
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        p.spec.subsets = [{ name: "v2", labels: { version: "v2" }, trafficPolicy: { outlierDetection: { consecutive5xxErrors: 50 } } }];
      }),
      [/spec.subsets\[0\] \(v2\).trafficPolicy.outlierDetection.consecutive5xxErrors is 50/],
    );
    await expectOne(
      destinationRuleCircuitBreaker,
      dr((p) => {
        p.spec.trafficPolicy.portLevelSettings = [{ port: { number: 8001 }, connectionPool: { tcp: { maxConnections: 10 } } }];
      }),
      [/portLevelSettings\[0\] \(port 8001\).connectionPool.http.http1MaxPendingRequests is unset/],
    );
  });

  it("reads its bounds from config", async () => {
    await expectOne(destinationRuleCircuitBreaker, dr(), [/consecutive5xxErrors is 3, outside 5–10/], { minConsecutiveErrors: 5 });
    await expectOne(destinationRuleCircuitBreaker, dr(), [/baseEjectionTime is 30s, below 1m/], { minBaseEjectionTime: "1m" });
    await expectOne(destinationRuleCircuitBreaker, dr(), [/maxEjectionPercent is 50, above 20/], { maxEjectionPercent: 20 });
  });
});

describe("policy circuit-breaker-coverage (stack)", () => {
  it("is mandatory and passes the compliant stack", async () => {
    assert.equal(circuitBreakerCoverage.enforcementLevel, "mandatory");
    await expectNone(circuitBreakerCoverage, compliantStack());
  });

  it("fails an in-mesh Service without a DestinationRule, naming it", async () => {
    const stack = compliantStack().filter((r) => !(r.type === T.destinationRule && r.name === "user-service"));
    const v = await expectOne(circuitBreakerCoverage, stack, [
      /Service microservices\/user-service is in the mesh but no DestinationRule/,
      /spec.host user-service.microservices.svc.cluster.local/,
    ]);
    assert.match(v.urn!, /Service::user-service$/);
  });

  it("matches a short host in the rule's namespace, an FQDN and a wildcard; not a short host in another namespace", async () => {
    const short = mutate(compliantStack(), T.destinationRule, "user-service", (p) => {
      p.spec.host = "user-service";
    });
    await expectNone(circuitBreakerCoverage, short);
    const wildcard = mutate(compliantStack(), T.destinationRule, "user-service", (p) => {
      p.spec.host = "*.microservices.svc.cluster.local";
    });
    await expectNone(circuitBreakerCoverage, wildcard);
    const elsewhere = mutate(short, T.destinationRule, "user-service", (p) => {
      p.metadata.namespace = "istio-system";
    });
    await expectOne(circuitBreakerCoverage, elsewhere, [/user-service is in the mesh but no DestinationRule/]);
  });

  it("names a name.namespace host, which Istio takes literally, with the fix", async () => {
    const stack = mutate(compliantStack(), T.destinationRule, "user-service", (p) => {
      p.spec.host = "user-service.microservices";
    });
    await expectOne(circuitBreakerCoverage, stack, [/names host user-service.microservices, which Istio takes literally/, /set spec.host to user-service/]);
  });

  it("leaves Services outside the mesh, ExternalName, headless and exempt Services alone", async () => {
    const outside = { ...service("jaeger"), metadata: { name: "jaeger", namespace: "monitoring" } };
    const externalName = { ...service("legacy"), spec: { type: "ExternalName", externalName: "legacy.example.com" } };
    const headless = { ...service("postgres"), spec: { clusterIP: "None", selector: { app: "postgres" } } };
    const extra = [resource(T.service, outside), resource(T.service, externalName), resource(T.service, headless)];
    await expectNone(circuitBreakerCoverage, [...compliantStack(), ...extra]);
    await expectOne(circuitBreakerCoverage, [...compliantStack(), ...extra], [/postgres/], { exemptHeadless: false });
    const stack = compliantStack().filter((r) => !(r.type === T.destinationRule && r.name === "user-service"));
    assert.equal((await violations(circuitBreakerCoverage, stack, { exemptServices: [`${NS}/user-service`] })).length, 0);
  });
});
