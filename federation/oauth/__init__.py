"""The OAuth2 authorization server (Authlib): regional bodies' API clients and their tokens."""
