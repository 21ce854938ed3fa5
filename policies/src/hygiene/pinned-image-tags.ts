import { exemptNamespacesSchema } from "../lib/config";
import { containersOf, describe } from "../lib/k8s";
import { ADVISORY, resourcePolicy } from "../lib/policy";
import { mayHavePodTemplate, templateOrSkip } from "./workloads";

export interface ImageSettings {
  forbiddenTags: string[];
  requireDigest: boolean;
  exemptNamespaces: string[];
}

/** An image reference's tag and digest (`registry:5000/repo/name:tag@sha256:…`). */
export function imageReference(image: string): { tag?: string; digest?: string } {
  const [withoutDigest, digest] = image.split("@", 2);
  const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  return { tag: colon >= 0 ? lastSegment.slice(colon + 1) : undefined, digest };
}

/** Pinned images: every container's image names a version tag (not `latest`) or a digest. */
export const pinnedImageTags = resourcePolicy<ImageSettings>(
  {
    name: "pinned-image-tags",
    description: "Container images are pinned to a version tag or a digest, never latest or untagged.",
    enforcementLevel: ADVISORY,
    severity: "medium",
    configSchema: {
      properties: {
        forbiddenTags: { type: "array", items: { type: "string" }, default: ["latest"], description: "Tags that float and are not allowed." },
        requireDigest: { type: "boolean", default: false, description: "Require a @sha256 digest rather than a tag." },
        exemptNamespaces: exemptNamespacesSchema("workloads"),
      },
    },
  },
  mayHavePodTemplate,
  (props, settings, report, args) => {
    const template = templateOrSkip(args.type, props, settings.exemptNamespaces, args.notApplicable);
    for (const { container, path } of containersOf(template, { init: true })) {
      const image = container.image;
      if (typeof image !== "string" || !image) {
        report(`${describe(props)}: ${path}.image is unset: set a pinned image such as repository/name:v1.0.0.`);
        continue;
      }
      const { tag, digest } = imageReference(image);
      if (digest) continue;
      if (settings.requireDigest) {
        report(`${describe(props)}: ${path}.image ${image} has no digest: pin it as ${image}@sha256:<digest>.`);
      } else if (!tag) {
        report(`${describe(props)}: ${path}.image ${image} has no tag, so it pulls latest: pin a version tag (${image}:v1.0.0) or a digest.`);
      } else if (settings.forbiddenTags.includes(tag)) {
        report(`${describe(props)}: ${path}.image ${image} uses the floating tag ${tag}: pin a version tag or a digest.`);
      }
    }
  },
);
