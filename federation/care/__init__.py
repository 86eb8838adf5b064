"""The person receiving care, and the family they let in: pages, API, links and invitations."""
