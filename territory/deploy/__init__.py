"""Deployment: the Snowflake account setup (`territory snowflake-setup`)."""
