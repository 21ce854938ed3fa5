import { strict as assert } from "assert";
import * as path from "path";
import { render } from "./helpers/render";

type Obj = Record<string, any>;
const images = (r: { objects(kind: string): Obj[] }) =>
  new Set(
    r
      .objects("Deployment")
      .filter((d) => d.metadata.labels.tier === "microservices")
      .map((d) => d.spec.template.spec.containers[0].image),
  );

describe("the service runtime image", () => {
  it("is built from app/ and pushed when images.build is true, and every service runs it by digest", async () => {
    const r = await render({ components: [], images: { repository: "localhost:5001/microservices", tag: "v2.0.0", build: true, platform: "linux/arm64" } });
    const [image] = r.ofType("docker:index/image:Image");
    assert.equal(image.inputs.imageName, "localhost:5001/microservices/service-runtime:v2.0.0");
    assert.deepEqual(image.inputs.build, {
      context: path.join(__dirname, "..", "app"),
      dockerfile: path.join(__dirname, "..", "app", "Dockerfile"),
      platform: "linux/arm64",
    });
    assert.deepEqual([...images(r)], [`localhost:5001/microservices/service-runtime@sha256:${"0".repeat(64)}`]);
  });

  it("the dev stack builds it for the Docker host's platform and pushes to the kind registry", async () => {
    const r = await render({ components: [] });
    const [image] = r.ofType("docker:index/image:Image");
    assert.equal(image.inputs.imageName, "localhost:5001/microservices/service-runtime:v1.0.0");
    assert.equal((image.inputs.build as Record<string, unknown>).platform, undefined);
  });

  it("is not built when images.build is false: services run <repository>/service-runtime:<tag>", async () => {
    const r = await render({ components: [], images: { repository: "ghcr.io/acme", tag: "1.4.2", build: false } });
    assert.equal(r.ofType("docker:index/image:Image").length, 0);
    assert.deepEqual([...images(r)], ["ghcr.io/acme/service-runtime:1.4.2"]);
  });
});
