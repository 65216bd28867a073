"""Tenants of every kind (home, building, team, workspace, organization), members, invitations."""
