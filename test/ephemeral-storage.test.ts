import { strict as assert } from "assert";
import { withEphemeralStorage } from "../components/ephemeral-storage";

describe("ephemeral storage sized from what a container writes", () => {
  it("counts the logs and each disk-backed emptyDir the container mounts, not the memory-backed ones nor other containers'", () => {
    const spec = withEphemeralStorage({
      containers: [
        {
          name: "app",
          resources: { requests: { cpu: "10m" } },
          volumeMounts: [
            { name: "tmp", mountPath: "/tmp" },
            { name: "run", mountPath: "/run" },
          ],
        },
        { name: "helper", volumeMounts: [{ name: "cache", mountPath: "/cache" }] },
      ],
      volumes: [
        { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
        { name: "run", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
        { name: "cache", emptyDir: { sizeLimit: "1Gi" } },
      ],
    });
    const containers = spec.containers as unknown as { resources: { requests: Record<string, string>; limits: Record<string, string> } }[];
    assert.deepEqual(containers[0].resources, { requests: { cpu: "10m", "ephemeral-storage": "114Mi" }, limits: { "ephemeral-storage": "114Mi" } });
    assert.deepEqual(containers[1].resources, { requests: { "ephemeral-storage": "1074Mi" }, limits: { "ephemeral-storage": "1074Mi" } });
  });

  it("refuses a disk-backed emptyDir without a sizeLimit: nothing would bound it", () => {
    assert.throws(
      () => withEphemeralStorage({ containers: [{ name: "app" }], volumes: [{ name: "scratch", emptyDir: {} }] }),
      /emptyDir scratch has no sizeLimit/,
    );
  });
});
