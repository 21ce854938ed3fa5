import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, POLICIES } from "./src";

// The pack only wires the policies together: each lives (and is tested) in its own module under src/.
// Constructing a PolicyPack starts the analyzer's gRPC server, so nothing but the Pulumi CLI imports this file.
new PolicyPack(PACK_NAME, { policies: [...POLICIES] });
