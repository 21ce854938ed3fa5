import { randomUUID } from "crypto";
import { ResourceSpec } from "./config";
import { Metrics } from "./metrics";

export type JsonObject = Record<string, unknown>;

/** Result of a resource operation: an HTTP status and a JSON body. */
export interface Outcome {
  readonly status: number;
  readonly body: unknown;
}

/** Values of user_registrations' `source` label; anything else is counted as "other". */
export const REGISTRATION_SOURCES = ["api", "web", "mobile", "google", "github"] as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const CURRENCY = /^[A-Z]{3}$/;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function singular(name: string): string {
  return name.endsWith("s") ? name.slice(0, -1) : name;
}

/** An in-memory collection, bounded so a long-running pod cannot grow without limit. */
export class ResourceStore {
  private readonly items = new Map<string, JsonObject>();

  constructor(
    readonly spec: ResourceSpec,
    private readonly maxItems = 10_000,
  ) {}

  list(): JsonObject[] {
    return [...this.items.values()];
  }

  get(id: string): JsonObject | undefined {
    return this.items.get(id);
  }

  find(predicate: (item: JsonObject) => boolean): JsonObject | undefined {
    for (const item of this.items.values()) if (predicate(item)) return item;
    return undefined;
  }

  put(item: JsonObject & { id: string }): void {
    this.items.delete(item.id);
    this.items.set(item.id, item);
    while (this.items.size > this.maxItems) {
      const oldest = this.items.keys().next().value as string;
      this.items.delete(oldest);
    }
  }

  delete(id: string): boolean {
    return this.items.delete(id);
  }
}

/**
 * The JSON resource API of one service: list, create, get (and replace/delete when the API
 * definition asks for them), with each service's own validation and business metrics.
 */
export class ResourceApi {
  private readonly stores = new Map<string, ResourceStore>();

  constructor(
    readonly serviceName: string,
    specs: readonly ResourceSpec[],
    private readonly metrics: Metrics,
  ) {
    for (const spec of specs) this.stores.set(spec.name, new ResourceStore(spec));
  }

  /** The first resource: the one served at `/` when the gateway strips the route prefix. */
  get primary(): ResourceStore {
    return this.stores.values().next().value as ResourceStore;
  }

  store(name: string): ResourceStore | undefined {
    return this.stores.get(name);
  }

  list(store: ResourceStore): Outcome {
    return { status: 200, body: store.list() };
  }

  get(store: ResourceStore, id: string): Outcome {
    const item = store.get(id);
    if (!item) return notFound(`${singular(store.spec.name)} ${id} not found`);
    return { status: 200, body: item };
  }

  delete(store: ResourceStore, id: string): Outcome {
    if (!store.delete(id)) return notFound(`${singular(store.spec.name)} ${id} not found`);
    return { status: 204, body: undefined };
  }

  /** `body` is the parsed request body, or undefined when it was not valid JSON (`parseError`). */
  create(store: ResourceStore, body: unknown, parseError?: string): Outcome {
    const checked = parseError !== undefined ? { error: parseError } : this.validate(store, body, undefined);
    if ("error" in checked) {
      this.metrics.ordersPerSecond?.inc({ service: this.serviceName, status: "rejected" });
      return rejected(checked);
    }
    const now = new Date().toISOString();
    const item = { ...checked.value, id: randomUUID(), created_at: now };
    store.put(item);
    this.recordCreated(item);
    return { status: store.spec.createStatus, body: item };
  }

  replace(store: ResourceStore, id: string, body: unknown, parseError?: string): Outcome {
    const existing = store.get(id);
    if (!existing) return notFound(`${singular(store.spec.name)} ${id} not found`);
    const checked = parseError !== undefined ? { error: parseError } : this.validate(store, body, id);
    if ("error" in checked) return rejected(checked);
    const item = { ...checked.value, id, created_at: existing.created_at, updated_at: new Date().toISOString() };
    store.put(item);
    return { status: 200, body: item };
  }

  private validate(store: ResourceStore, body: unknown, id: string | undefined): { value: JsonObject } | { error: string; status?: number } {
    if (!isObject(body)) return { error: "request body must be a JSON object" };
    const value: JsonObject = { ...body };
    delete value.id;
    delete value.created_at;
    delete value.updated_at;
    if (this.serviceName === "user_service" && store === this.primary) {
      if (typeof value.name !== "string" || value.name.trim() === "" || value.name.length > 200) {
        return { error: "name is required: a non-empty string of at most 200 characters" };
      }
      if (typeof value.email !== "string" || value.email.length > 320 || !EMAIL.test(value.email)) {
        return { error: "email is required: a valid email address" };
      }
      const email = value.email.toLowerCase();
      const taken = store.find((u) => typeof u.email === "string" && u.email.toLowerCase() === email && u.id !== id);
      if (taken) return { error: `a user with email ${value.email} already exists`, status: 409 };
      if (value.source !== undefined && typeof value.source !== "string") return { error: "source must be a string" };
    }
    if (this.serviceName === "payment_service" && store === this.primary) {
      if (typeof value.amount !== "number" || !Number.isFinite(value.amount) || value.amount <= 0) {
        return { error: "amount is required: a positive number" };
      }
      if (value.currency === undefined) value.currency = "USD";
      if (typeof value.currency !== "string" || !CURRENCY.test(value.currency)) {
        return { error: "currency must be an ISO 4217 code such as USD" };
      }
      if (value.status === undefined) value.status = "accepted";
    }
    if (this.serviceName === "order_service" && store === this.primary && value.status === undefined) {
      value.status = "created";
    }
    return { value };
  }

  private recordCreated(item: JsonObject): void {
    if (this.metrics.userRegistrations) {
      const requested = typeof item.source === "string" ? item.source.toLowerCase() : "api";
      const source = (REGISTRATION_SOURCES as readonly string[]).includes(requested) ? requested : "other";
      this.metrics.userRegistrations.inc({ source });
    }
    this.metrics.ordersPerSecond?.inc({ service: this.serviceName, status: "created" });
    if (this.metrics.revenue && typeof item.amount === "number" && typeof item.currency === "string") {
      this.metrics.revenue.add(item.currency, item.amount);
    }
  }
}

export function notFound(message: string): Outcome {
  return { status: 404, body: { error: "not_found", message } };
}

function rejected(problem: { error: string; status?: number }): Outcome {
  if (problem.status === 409) return { status: 409, body: { error: "conflict", message: problem.error } };
  return badRequest(problem.error);
}

export function badRequest(message: string): Outcome {
  return { status: 400, body: { error: "bad_request", message } };
}
