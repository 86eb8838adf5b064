"""The regional statistics portal, its API for regional bodies, and the admin's releases."""
