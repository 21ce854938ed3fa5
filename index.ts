import { deployEcosystem } from "./stacks/ecosystem";

// The stack's outputs: namespace, artifact folder, composed components and service hosts.
export = deployEcosystem();
