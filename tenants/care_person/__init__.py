"""The person receiving care: their link to a client record, carer wishes, and family."""
