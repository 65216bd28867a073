"""Users, passwords, access and refresh tokens, email verification, password reset, 2FA."""
