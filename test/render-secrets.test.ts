import { strict as assert } from "assert";
import { SECRET_PLACEHOLDER } from "../tools/render/stack-settings";
import { SECRET_PLACEHOLDER_BASE64 } from "../tools/render/render-output";
import { render } from "./helpers/render";

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// The render is applied as it is (`kubectl apply --dry-run=server`, the cluster lane): every Secret
// must be one the API server accepts, masked values included.
describe("rendered Secrets are valid for the API server", () => {
  for (const stack of ["dev", "ci"]) {
    it(`${stack}: every Secret has only base64 data, masked values as the encoded placeholder`, async () => {
      const secrets = (await render({}, { stack })).objects("Secret");
      assert.ok(secrets.length >= 3, `expected the data stores' Secrets, found ${secrets.length}`);
      let masked = 0;
      for (const secret of secrets) {
        const name = `Secret ${secret.metadata.namespace}/${secret.metadata.name}`;
        assert.equal((secret as { stringData?: unknown }).stringData, undefined, `${name} keeps stringData`);
        const data = (secret as { data?: Record<string, unknown> }).data ?? {};
        assert.ok(Object.keys(data).length > 0, `${name} has no data`);
        for (const [key, value] of Object.entries(data)) {
          assert.equal(typeof value, "string", `${name} data.${key}`);
          assert.match(value as string, BASE64, `${name} data.${key} is not base64`);
          assert.notEqual(value, SECRET_PLACEHOLDER, `${name} data.${key} is the raw placeholder`);
          if (value === SECRET_PLACEHOLDER_BASE64) masked++;
        }
      }
      // ci's passwords come from encrypted config the render cannot decrypt; dev's are generated (mocked).
      if (stack === "ci") assert.ok(masked > 0, "ci's Secrets should carry the encoded placeholder");
    });
  }
});
