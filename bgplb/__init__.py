"""bgplb: build and audit Kubernetes LoadBalancer services advertised over BGP with ECMP."""
