"""Staff lending as a co-op sees it: workers' pool consent, guests in its rota, staff it lends."""
