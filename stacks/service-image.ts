import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { ImagesConfig } from "./config";

/** The one runtime image every service runs (each with its own mounted config). */
export const RUNTIME_IMAGE_NAME = "service-runtime";

/**
 * @pulumi/docker's Image (5.x) rather than @pulumi/docker-build: the stack needs one single-platform
 * build pushed to one registry and the pushed digest back (`repoDigest`), which Image does; docker-build
 * (multi-platform builds, build caches, buildx) is still a 0.x release.
 *
 * The image reference the services run: built from `app/` and pushed when `images.build` is
 * true (pinned by digest once pushed), otherwise `<repository>/service-runtime:<tag>`.
 */
export function serviceRuntimeImage(images: ImagesConfig, opts?: pulumi.CustomResourceOptions): pulumi.Input<string> {
  const reference = `${images.repository}/${RUNTIME_IMAGE_NAME}:${images.tag}`;
  if (!images.build) return reference;
  const appDir = path.join(__dirname, "..", "app");
  const image = new docker.Image(
    RUNTIME_IMAGE_NAME,
    {
      imageName: reference,
      build: { context: appDir, dockerfile: path.join(appDir, "Dockerfile"), ...(images.platform ? { platform: images.platform } : {}) },
    },
    opts,
  );
  return pulumi.all([image.repoDigest, image.imageName]).apply(([digest, name]) => digest || name);
}
