"""Node maintenance: take a node out of MetalLB's announcements, prove the router agrees, then
cordon and evict; and the undo (pure: mechanisms, plans, evaluations)."""
