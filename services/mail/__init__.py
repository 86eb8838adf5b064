"""Outgoing email: logged in development, sent over SMTP when COOPFED_MAIL_URL is set."""
