"""The failover drill's pure parts (bgplb.failover.drill)."""
