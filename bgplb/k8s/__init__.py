"""The Kubernetes layer's pure renderers: kubeadm commands, kubeconfig, manifests, MetalLB, app."""
