"""Identity and access: accounts, logins, tokens, and the walls every endpoint uses."""
