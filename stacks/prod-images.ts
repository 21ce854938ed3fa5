import { CONFIG_NAMESPACE, ConfigError } from "../components/settings";

/** A registry only the machine it runs on can reach: a laptop's kind registry, the Docker host. */
const MACHINE_LOCAL_REGISTRY = /^(localhost|127(\.\d{1,3}){3}|\[::1\]|[^/]+\.localhost|host\.docker\.internal)(:\d+)?\//i;

interface ImageSettings {
  readonly images: { readonly repository: string };
  readonly services: Readonly<Record<string, { readonly image?: string }>>;
  readonly componentSettings: Readonly<Record<string, Record<string, unknown>>>;
}

/**
 * On prod, every image must come from a registry the cluster's nodes can pull from: a localhost
 * registry (the dev stack's) is refused with the key to change. (An unpinned or `latest` image is
 * refused on every stack by the config schemas.)
 */
export function checkProdImages(config: ImageSettings): void {
  const refs: [string, string][] = [[`images.repository`, `${config.images.repository}/`]];
  for (const [name, overrides] of Object.entries(config.services)) if (overrides.image) refs.push([`services.${name}.image`, overrides.image]);
  for (const [component, settings] of Object.entries(config.componentSettings)) {
    if (typeof settings.image === "string") refs.push([`${component}.image`, settings.image]);
  }
  for (const [key, ref] of refs) {
    if (MACHINE_LOCAL_REGISTRY.test(ref)) {
      throw new ConfigError(
        `${CONFIG_NAMESPACE}:${key} ${ref.replace(/\/$/, "")} is in a registry only this machine can reach; a prod stack's nodes cannot pull from it: set it to your registry (e.g. ghcr.io/<org>/microservices) in Pulumi.prod.yaml`,
      );
    }
  }
}
