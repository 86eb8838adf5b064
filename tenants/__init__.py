"""The co-op workspace: the tenancy mechanism and the domain packages inside each co-op."""
