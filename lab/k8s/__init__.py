"""The twin's emulated Kubernetes: an API server over TLS, its controllers and emulated MetalLB.

Entry points: `lab.k8s.server_process` (start/stop the server by PID), `lab.k8s.pki`
(cluster CA, certificates, kubeconfigs) and `lab.k8s.kubeadm_backend` (the cluster side of
`kubeadm init/join/reset`).
"""
