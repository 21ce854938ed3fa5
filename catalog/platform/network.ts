/**
 * What the zero-trust policies need to know of the cluster around the stack: where the pod network is,
 * where the Kubernetes API server answers, and which Pod Security level each namespace can enforce.
 * The defaults fit kind (and kubeadm with its default pod subnet); `microservices-ecosystem:network`
 * sets a real cluster's values.
 */
export const NETWORK = {
  defaults: {
    /** Whether the stack applies NetworkPolicies (default deny and the graph's edges) in its namespaces. */
    policies: true,
    /**
     * The cluster's pod network. Peers outside the cluster (the API server, the API's clients) are
     * `ipBlock`s, and some network plugins match pod addresses against an `ipBlock` too: excepting the
     * pod network keeps such a rule from opening a port to every pod.
     */
    podCidrs: ["10.244.0.0/16"] as readonly string[],
    /**
     * Where pods reach the Kubernetes API server after the `kubernetes` Service's address is translated:
     * its endpoints' addresses (kind: the control-plane node, port 6443) and ports. The default is any
     * address outside the pod network on the usual ports; narrow it to the control plane's addresses.
     */
    apiServer: { cidrs: ["0.0.0.0/0"] as readonly string[], ports: [443, 6443] as readonly number[] },
    /**
     * Where Prometheus reaches each node's kubelet for cAdvisor's metrics: the nodes' addresses and the kubelet's
     * port. The default is any address outside the pod network on 10250; narrow it to the node network.
     */
    kubelets: { cidrs: ["0.0.0.0/0"] as readonly string[], port: 10250 },
  },
  /** The cluster's DNS (CoreDNS, `k8s-app: kube-dns` in kube-system on kind and kubeadm): every pod's egress needs it. */
  clusterDns: { namespace: "kube-system", selector: { "k8s-app": "kube-dns" }, port: 53 },
  /** The label Kubernetes gives every namespace with its name: what a NetworkPolicy's namespaceSelector matches. */
  namespaceNameLabel: "kubernetes.io/metadata.name",
};

/** A Pod Security Standards level (https://kubernetes.io/docs/concepts/security/pod-security-standards/). */
export type PodSecurityLevel = "restricted" | "baseline" | "privileged";
